/** The group-commit writer: batching, commit callbacks, failures, close and restart. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox, openOutboxReadOnly, readHead, verifyChain } from '../../../src/outbox/index.js';
import type { OutboxError } from '../../../src/outbox/errors.js';
import { mountTmpfs, skipWithoutTmpfs } from '../../support/tmpfs.js';
import { waitFor } from '../../support/wait-for.js';
import { ackClicks, click, openOutbox, recordAll, sqlite, tempDataDir } from './helpers.js';

describe('the outbox writer', () => {
  it('commits a burst recorded in one event-loop turn as one transaction', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable' });
    await recordAll(outbox, Array.from({ length: 300 }, () => click()));
    expect(await outbox.stats()).toMatchObject({ pending: 300, commits: 1, queued: 0, last_seq: 300 });
  });

  it('calls onCommitted only once the click can be read from another connection', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable' });
    await recordAll(outbox, [click()]); // creates the file
    const db = sqlite(dir);
    const seen = await Promise.all(
      Array.from({ length: 50 }, () => {
        const c = click();
        return new Promise<boolean>((resolve, reject) =>
          outbox.record(c, (err) => (err ? reject(err) : resolve(db.prepare('SELECT 1 FROM clicks WHERE click_id = ?').get(c.click_id) !== undefined))),
        );
      }),
    );
    expect(seen.every(Boolean)).toBe(true);
  });

  it('commits a backlog bigger than one round in several rounds, in order', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const clicks = Array.from({ length: 10_000 }, () => click());
    await recordAll(outbox, clicks);
    expect(await outbox.stats()).toMatchObject({ pending: 10_000, commits: 3 });
    expect((await outbox.takePending(1, 10_000, 9_999))[0]!.click.click_id).toBe(clicks[9_999]!.click_id);
  });

  it('refuses clicks beyond maxQueued with CR_ERR_OUTBOX_QUEUE_FULL, and counts them', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { maxQueued: 5 });
    const results = await Promise.all(Array.from({ length: 7 }, () => new Promise<Error | null>((resolve) => outbox.record(click(), resolve))));
    expect(results.filter((e) => e === null)).toHaveLength(5);
    expect(results.slice(5).map((e) => (e as OutboxError).code)).toEqual(['CR_ERR_OUTBOX_QUEUE_FULL', 'CR_ERR_OUTBOX_QUEUE_FULL']);
    expect(await outbox.stats()).toMatchObject({ pending: 5, write_errors: 2 });
  });

  it('queues clicks recorded during a commit into the next one (fast, commit_interval_ms = 0)', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'fast', commitIntervalMs: 0 });
    const first = recordAll(outbox, [click()]);
    await new Promise((r) => setImmediate(r)); // the first batch is now with the writer
    const rest = recordAll(outbox, Array.from({ length: 20 }, () => click()));
    await Promise.all([first, rest]);
    expect(await outbox.stats()).toMatchObject({ pending: 21, commits: 2 });
  });

  it('durable: rounds sent while the writer commits are committed together, in order', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable' });
    const clicks: ReturnType<typeof click>[] = [];
    const all: Promise<void>[] = [];
    for (let turn = 0; turn < 30; turn++) {
      const some = Array.from({ length: 5 }, () => click());
      clicks.push(...some);
      all.push(recordAll(outbox, some));
      await new Promise((r) => setImmediate(r)); // each turn's clicks go to the writer as their own round
    }
    await Promise.all(all);
    const stats = await outbox.stats();
    expect(stats).toMatchObject({ pending: 150, last_seq: 150, queued: 0 });
    expect(stats.commits).toBeLessThanOrEqual(30);
    expect((await outbox.takePending(150, 1_000_000)).map((p) => p.click.click_id)).toEqual(clicks.map((c) => c.click_id));
    await outbox.close();
    const reader = openOutboxReadOnly(dir);
    expect(verifyChain(reader)).toMatchObject({ ok: true, rows: 150 });
    reader.close();
  });

  it('fast: clicks recorded within half of commit_interval_ms share one transaction', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'fast', commitIntervalMs: 200 });
    const t0 = performance.now();
    const first = recordAll(outbox, [click()]);
    await new Promise((r) => setImmediate(r));
    const rest = recordAll(outbox, Array.from({ length: 20 }, () => click()));
    await Promise.all([first, rest]);
    const took = performance.now() - t0;
    expect(await outbox.stats()).toMatchObject({ pending: 21, commits: 1 });
    expect(took).toBeGreaterThanOrEqual(99); // it lingered (200 / 2 ms, less a timer's rounding)
    // An operation does not wait for the linger.
    const s0 = performance.now();
    outbox.record(click());
    await outbox.stats();
    expect(performance.now() - s0).toBeLessThan(99);
  });

  it('reports each transaction once to commit listeners, before the clicks\' callbacks, and refused clicks too', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable', maxQueued: 10 });
    const events: string[] = [];
    outbox.onCommit((r) => events.push(`commit ${r.count} anon ${r.anonymous} ${r.error ? r.error.code : 'ok'} waits ${r.queuedAt.length} ${r.queuedAt.every((q) => q <= r.committedAt)}`));
    const done = Promise.all(
      Array.from({ length: 12 }, (_, i) => new Promise<void>((resolve) => outbox.record(click({ anonymous: i % 3 === 0 || i === 11 }), () => (events.push('cb'), resolve())))),
    );
    await done;
    expect(events.filter((e) => e.startsWith('commit'))).toEqual([
      'commit 1 anon 0 CR_ERR_OUTBOX_QUEUE_FULL waits 1 true',
      'commit 1 anon 1 CR_ERR_OUTBOX_QUEUE_FULL waits 1 true',
      'commit 10 anon 4 ok waits 10 true',
    ]);
    expect(events.indexOf('commit 10 anon 4 ok waits 10 true')).toBeLessThan(events.lastIndexOf('cb'));
    expect(events.filter((e) => e === 'cb')).toHaveLength(12);
  });

  it('keeps outbox.head at most a moment behind the database while serving, never ahead', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const db = sqlite(dir);
    const last = () => db.prepare('SELECT seq, chain_hash FROM clicks ORDER BY seq DESC LIMIT 1').get() as { seq: number; chain_hash: string };
    for (let i = 0; i < 20; i++) {
      await recordAll(outbox, Array.from({ length: 10 }, () => click()));
      const head = readHead(dir);
      expect(head === null || head.seq <= last().seq).toBe(true);
    }
    await waitFor('outbox.head to catch up with the last commit', () => JSON.stringify(readHead(dir)) === JSON.stringify(last()));
    expect(readHead(dir)).toEqual(last());
  });

  it('commits everything queued before close resolves, then refuses new clicks', async () => {
    const dir = tempDataDir();
    const outbox = await Outbox.open({ dataDir: dir, durability: 'durable', commitIntervalMs: 5 });
    const results: (Error | null)[] = [];
    for (let i = 0; i < 100; i++) outbox.record(click(), (err) => results.push(err));
    await outbox.close();
    expect(results).toHaveLength(100);
    expect(results.every((e) => e === null)).toBe(true);
    const late = await new Promise<Error | null>((resolve) => outbox.record(click(), resolve));
    expect((late as OutboxError).code).toBe('CR_ERR_OUTBOX_CLOSED');
    await expect(outbox.stats()).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_CLOSED' });
    expect(sqlite(dir).prepare('SELECT count(*) FROM clicks').pluck().get()).toBe(100);
  });

  it('continues the chain across restarts and keeps the head file on the newest position', async () => {
    const dir = tempDataDir();
    for (let round = 0; round < 3; round++) {
      const outbox = await openOutbox(dir);
      await recordAll(outbox, Array.from({ length: 5 }, () => click()));
      await outbox.close();
    }
    const head = readHead(dir);
    const last = sqlite(dir).prepare('SELECT seq, chain_hash FROM clicks ORDER BY seq DESC LIMIT 1').get();
    expect(head).toEqual(last);
    expect(head!.seq).toBe(15);
    const reader = openOutboxReadOnly(dir);
    expect(verifyChain(reader)).toMatchObject({ ok: true, rows: 15 });
    reader.close();
  });

  it('writes outbox.db in WAL mode with the guide columns, the chain and delivery state', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    await recordAll(outbox, [click()]);
    const db = sqlite(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const columns = (db.prepare('PRAGMA table_info(clicks)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(
      expect.arrayContaining(['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata', 'anonymous', 'seq', 'chain_hash', 'state', 'shipped_at', 'attempts', 'last_error', 'dead_reason']),
    );
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('2');
    expect(db.prepare('SELECT metadata FROM clicks').pluck().get()).toBe('{"utm_medium":"email","utm_source":"news"}');
  });

  it('refuses to open a data dir it cannot write, saying why', async () => {
    const dir = tempDataDir();
    const file = join(dir, 'not-a-dir');
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'x'));
    await expect(Outbox.open({ dataDir: file, durability: 'fast', commitIntervalMs: 5 })).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_OPEN' });
  });

  it('reads back through the read-only accessor in seq order, with delivery state', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const clicks = Array.from({ length: 5 }, (_, i) => click({ clicked_at: `2025-07-0${i + 1}T00:00:00.000Z` }));
    await recordAll(outbox, clicks);
    await ackClicks(outbox, [clicks[0]!.click_id], new Date('2025-07-10T00:00:00.000Z'));
    const reader = openOutboxReadOnly(dir);
    const rows = [...reader.clicks({ since: '2025-07-01T00:00:00.000Z' })];
    expect(rows.map((r) => r.click)).toEqual(clicks);
    expect(rows[0]).toMatchObject({ seq: 1, state: 'shipped', shipped_at: '2025-07-10T00:00:00.000Z', attempts: 0 });
    expect([...reader.clicks({ since: '2025-07-04T00:00:00.000Z' })].map((r) => r.seq)).toEqual([4, 5]);
    expect(reader.summary()).toEqual({
      pending: 4,
      shipped: 1,
      dead_letter: 0,
      oldest_pending: clicks[1]!.clicked_at,
      last_shipped_at: '2025-07-10T00:00:00.000Z',
      last_seq: 5,
      checkpoints: 0,
    });
    expect(JSON.parse(readFileSync(join(dir, 'outbox.head'), 'utf8')).seq).toBeLessThanOrEqual(5);
    reader.close();
  });

  it('audits cleanly while the writer keeps committing', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable' });
    await recordAll(outbox, [click()]);
    let writing = true;
    let batches = 0;
    const load = (async () => {
      while (writing) {
        await recordAll(outbox, Array.from({ length: 50 }, () => click()));
        batches++;
      }
    })();
    for (let i = 0; i < 20; i++) {
      const seen = batches;
      await waitFor('another batch committed', () => batches > seen, { stepMs: 1 });
      const reader = openOutboxReadOnly(dir);
      const report = verifyChain(reader);
      reader.close();
      expect(report.violations).toEqual([]);
    }
    writing = false;
    await load;
  });

  it('reads an outbox that does not exist yet as empty', () => {
    const reader = openOutboxReadOnly(tempDataDir());
    expect(reader.exists).toBe(false);
    expect([...reader.clicks()]).toEqual([]);
    expect(verifyChain(reader)).toMatchObject({ ok: true, rows: 0 });
    reader.close();
  });
});

/** A really full disk: a small tmpfs filled to ENOSPC (needs root; see test/support/tmpfs.ts). */
const tmpfs = mountTmpfs(4096);
const skipFull = skipWithoutTmpfs(tmpfs);
const disk = typeof tmpfs === 'string' ? null : tmpfs;
afterAll(() => disk?.unmount());

describe.skipIf(skipFull)('the outbox writer on a full disk', () => {
  it('gives every click of a failed batch the error, and records again once space is back', async () => {
    const dir = join(disk!.dir, 'failed-batch');
    const outbox = await openOutbox(dir, { durability: 'durable' });
    await recordAll(outbox, [click()]);
    disk!.fill(); // the disk is full
    const errors = await Promise.all(
      Array.from({ length: 3000 }, () => new Promise<Error | null>((resolve) => outbox.record(click(), resolve))),
    );
    expect(errors.every((e) => e !== null && (e as OutboxError).code === 'CR_ERR_OUTBOX_WRITE')).toBe(true);
    expect(errors[0]!.message).toMatch(/full/);
    expect(await outbox.stats()).toMatchObject({ write_errors: 3000, pending: 1, last_seq: 1 });

    disk!.free();
    await recordAll(outbox, [click(), click()]);
    expect(await outbox.stats()).toMatchObject({ pending: 3, last_seq: 3 });
    await outbox.close();
    const reader = openOutboxReadOnly(dir);
    expect(verifyChain(reader).ok).toBe(true); // the failed batch used up no positions
    reader.close();
  });
});

describe('when the writer thread dies', () => {
  it('starts a new one and goes on recording on the same chain', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    await recordAll(outbox, [click()]);
    // Reach in the way a native crash would: the thread is simply gone.
    await (outbox as unknown as { link: { worker: { terminate(): Promise<number> } } }).link.worker.terminate();
    await recordAll(outbox, [click(), click()]);
    expect(await outbox.stats()).toMatchObject({ pending: 3, last_seq: 3 });
    await outbox.close();
    const reader = openOutboxReadOnly(dir);
    expect(verifyChain(reader).ok).toBe(true);
    reader.close();
  });
});
