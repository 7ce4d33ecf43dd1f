/**
 * Outbox shards (#22, CONTRACT "Serving threads and outbox shards") on real files: a data
 * folder with shards 0..2 written through the real writer (one Outbox per shard), then
 * everything that reads the outbox covers every shard: the shipper against the reference
 * main system, the service restarted with one serving thread (shards 1 and 2 left over),
 * `audit` (tampering in shard 1 is named), `export` (merged in time order), `dead-letters`,
 * retention (a checkpoint per shard), `status` (sums and a per-shard breakdown) and analytics.
 */
import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { httpClickSink } from '../../../src/main-system/http/click-sink.js';
import { listShards, openShardReaders, Outbox, OutboxShardSet, shardFiles } from '../../../src/outbox/index.js';
import { SHARD_SPAN } from '../../../src/outbox/shard-set.js';
import { runAudit } from '../../../src/audit/index.js';
import type { AuditReport } from '../../../src/audit/report.js';
import { createShipper } from '../../../src/shipper/index.js';
import type { ClickRecord } from '../../../src/types.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { startTestService } from '../../support/service.js';
import { waitFor } from '../../support/wait-for.js';
import { mixedClicks, policy, tempDataDir } from '../../unit/audit/helpers.js';
import { recordAll } from '../../unit/outbox/helpers.js';
import { cli, dataDirEnv } from '../audit/cli.js';

const API_KEY = 'shards-key-0123456789abcdef';
const SHARDS = [0, 1, 2];
const DAY = 86_400_000;

interface Placed {
  shard: number;
  click: ClickRecord;
}

/**
 * `n` valid clicks a second apart, ending `endsAgoMs` before now, dealt to the shards in turn
 * (so the shards interleave in time); clicks 3 and 4 share one instant, in two shards, so a
 * merge must fall back to click_id.
 */
function placed(n: number, endsAgoMs = 3_600_000): Placed[] {
  const start = Date.now() - endsAgoMs - n * 1000;
  const at = (i: number): Date => new Date(start + (i === 4 ? 3 : i) * 1000);
  return mixedClicks(n, undefined, at).map((click, i) => ({ shard: SHARDS[i % SHARDS.length]!, click }));
}

async function openShard(dataDir: string, shard: number): Promise<Outbox> {
  return Outbox.open({ dataDir, shard, durability: 'fast', commitIntervalMs: 1 });
}

/** Each shard written through its own real writer, then closed (its head written). */
async function writeShards(dataDir: string, items: readonly Placed[]): Promise<void> {
  for (const k of SHARDS) {
    const o = await openShard(dataDir, k);
    await recordAll(
      o,
      items.filter((p) => p.shard === k).map((p) => p.click),
    );
    await o.close();
  }
}

/** A writer for every shard, as one set; close() closes them all. */
async function openSet(dataDir: string): Promise<{ set: OutboxShardSet; close(): Promise<void> }> {
  const writers = await Promise.all(SHARDS.map((k) => openShard(dataDir, k)));
  return { set: new OutboxShardSet(writers.map((o) => ({ shard: o.shard, ops: o }))), close: async () => void (await Promise.all(writers.map((o) => o.close()))) };
}

/** The audit over every shard, as `clickrelay audit` runs it. */
function audit(dataDir: string): AuditReport {
  const readers = openShardReaders(dataDir);
  try {
    return runAudit(readers, { privacy: policy(), retentionDays: 30 });
  } finally {
    readers.close();
  }
}

/** Each test runs the built CLI a few times, seconds each on a loaded machine. */
const CLI_TEST_MS = 180_000;

const mainEnv = (ms: RefMainSystem): Record<string, string> => ({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: ms.url, CLICKRELAY_MAIN_SYSTEM_API_KEY: API_KEY });

function expectShippedOnce(ms: RefMainSystem, items: readonly Placed[]): void {
  const rows = ms.clicks();
  expect(rows.length).toBe(items.length); // nothing twice
  expect(new Set(rows.map((r) => r.click_id))).toEqual(new Set(items.map((p) => p.click.click_id))); // nothing lost
}

describe('outbox shards', () => {
  let ms: RefMainSystem;
  const dirs: string[] = [];
  const folder = (): string => {
    const d = tempDataDir();
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    ms = await startRefMainSystem({ apiKey: API_KEY });
  });
  afterAll(async () => {
    await ms.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the real writer writes shard k to outbox-<k>.db with its own head and chain', async () => {
    const dir = folder();
    const items = placed(30);
    await writeShards(dir, items);
    expect(listShards(dir)).toEqual(SHARDS);
    for (const k of SHARDS) {
      const db = new Database(shardFiles(dir, k).db, { readonly: true });
      expect(db.prepare('SELECT count(*) FROM clicks').pluck().get()).toBe(10);
      db.close();
    }
    const r = audit(dir);
    expect(r.violations).toEqual([]);
    expect(r.shards.map((s) => [s.file, s.ok, s.rows, s.head_seq])).toEqual([
      ['outbox.db', true, 10, 10],
      ['outbox-1.db', true, 10, 10],
      ['outbox-2.db', true, 10, 10],
    ]);
  });

  it('the shipper ships every click of all three shards once, fairly, acknowledging each in its own shard', async () => {
    const dir = folder();
    // Uneven shards: a busy one must not starve the others.
    const items = [...placed(60)].map((p, i) => ({ ...p, shard: i < 40 ? 0 : i < 52 ? 1 : 2 }));
    await writeShards(dir, items);
    const { set, close } = await openSet(dir);
    const before = ms.clicks().length;
    const firstShards: number[] = [];
    const shipper = createShipper({
      outbox: {
        ...bind(set),
        takePending: async (limit, maxBytes, afterSeq) => {
          const got = await set.takePending(limit, maxBytes, afterSeq);
          if (got.length > 0) firstShards.push(got[0]!.seq % SHARD_SPAN);
          return got;
        },
      },
      sink: httpClickSink({ baseUrl: ms.url, apiKey: new ApiKey(API_KEY, 'test'), timeoutMs: 5_000, connections: 2 }),
      mode: 'batch',
      batchSize: 7,
      lingerMs: 0,
      concurrency: 2,
      maxBackoffMs: 200,
    });
    const r = await shipper.drain({ timeoutMs: 60_000 });
    await shipper.stop({ graceMs: 1000 });
    expect(r.pending).toBe(0);
    const stats = await set.stats();
    await close();
    expect(ms.clicks().length - before).toBe(items.length);
    const shipped = new Set(ms.clicks().map((c) => c.click_id));
    for (const p of items) expect(shipped.has(p.click.click_id)).toBe(true);
    expect(stats.shards.map((s) => [s.shard, s.pending, s.shipped])).toEqual([
      [0, 0, 40],
      [1, 0, 12],
      [2, 0, 8],
    ]);
    // Reads take turns: every shard led a read while shard 0 still had a backlog.
    expect(new Set(firstShards.slice(0, 3))).toEqual(new Set([0, 1, 2]));
    expect(audit(dir).violations).toEqual([]);
  });

  it('restarted with one serving thread, the service still ships shards 1 and 2, and they audit', async () => {
    const dir = folder();
    const items = placed(45);
    await writeShards(dir, items);
    const shippedBefore = new Set(ms.clicks().map((c) => c.click_id));
    const keyFile = join(dir, '..', `${dir.split('/').pop()}.key`);
    writeFileSync(keyFile, API_KEY, { mode: 0o600 });
    const svc = await startTestService({ CLICKRELAY_STORAGE_DATA_DIR: dir, CLICKRELAY_MAIN_SYSTEM_BASE_URL: ms.url, CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile, CLICKRELAY_SHIPPER_LINGER_MS: '0' });
    dirs.push(keyFile);
    try {
      await waitFor('every click of the three shards at the main system', () => {
        const ids = new Set(ms.clicks().map((c) => c.click_id));
        return items.every((p) => ids.has(p.click.click_id));
      });
      await waitFor('every shard to have acknowledged its clicks', async () => (await svc.service.outboxShards.stats()).pending === 0);
      const stats = await svc.service.outboxShards.stats();
      expect(stats.shards.map((s) => [s.shard, s.shipped])).toEqual([
        [0, 15],
        [1, 15],
        [2, 15],
      ]);
      // The gauges sum every shard.
      const metrics = await (await fetch(`${svc.admin}/metrics`)).text();
      expect(metrics).toMatch(/^clickrelay_outbox_pending 0$/m);
    } finally {
      await svc.stop();
    }
    const fresh = ms.clicks().filter((c) => !shippedBefore.has(c.click_id));
    expect(fresh.length).toBe(items.length); // each once
    const r = await cli(['audit', '--json'], { ...dataDirEnv(dir), ...mainEnv(ms) });
    const report = JSON.parse(r.stdout) as { ok: boolean; shards: { file: string; ok: boolean; rows: number }[]; counts: { total: number; by_state: { shipped: number } } };
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(report.shards.map((s) => [s.file, s.ok, s.rows])).toEqual([
      ['outbox.db', true, 15],
      ['outbox-1.db', true, 15],
      ['outbox-2.db', true, 15],
    ]);
    expect(report.counts.by_state.shipped).toBe(45);
  }, CLI_TEST_MS);

  it('a row changed in shard 1 fails the audit, naming outbox-1.db', async () => {
    const dir = folder();
    await writeShards(dir, placed(30));
    const db = new Database(shardFiles(dir, 1).db);
    db.prepare("UPDATE clicks SET tracking_id = 'lt_forged' WHERE seq = 4").run();
    db.close();
    const r = await cli(['audit', '--json'], dataDirEnv(dir));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { shards: { file: string; ok: boolean }[]; violations: { rule: string; detail: string }[] };
    expect(report.shards.map((s) => [s.file, s.ok])).toEqual([
      ['outbox.db', true],
      ['outbox-1.db', false],
      ['outbox-2.db', true],
    ]);
    const edited = report.violations.filter((v) => v.rule === 'chain.edited');
    expect(edited.length).toBeGreaterThan(0);
    for (const v of edited) expect(v.detail).toMatch(/^outbox-1\.db: /);
    const text = await cli(['audit'], dataDirEnv(dir));
    expect(text.stdout).toContain('outbox-1.db');
    expect(text.stdout).toMatch(/outbox-1\.db\s+BROKEN/);
  }, CLI_TEST_MS);

  it('export merges every shard in time order (clicked_at, then click_id)', async () => {
    const dir = folder();
    const items = placed(31);
    await writeShards(dir, items);
    const r = await cli(['export'], dataDirEnv(dir));
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { click_id: string; clicked_at: string });
    expect(rows.length).toBe(items.length);
    const expected = items.map((p) => p.click).sort((a, b) => (a.clicked_at < b.clicked_at ? -1 : a.clicked_at > b.clicked_at ? 1 : a.click_id < b.click_id ? -1 : 1));
    expect(rows.map((x) => x.click_id)).toEqual(expected.map((c) => c.click_id));
    // A range too, from every shard.
    const since = expected[10]!.clicked_at;
    const until = expected[20]!.clicked_at;
    const ranged = await cli(['export', '--since', since, '--until', until, '--format', 'csv'], dataDirEnv(dir));
    const lines = ranged.stdout.trim().split('\n').slice(1);
    expect(lines.length).toBe(expected.filter((c) => c.clicked_at >= since && c.clicked_at < until).length);
  }, CLI_TEST_MS);

  it('dead letters are listed, requeued and purged across shards, and the audit still passes', async () => {
    const dir = folder();
    const items = placed(30);
    await writeShards(dir, items);
    const inShard = (k: number): ClickRecord[] => items.filter((p) => p.shard === k).map((p) => p.click);
    const dead = [inShard(1)[2]!, inShard(2)[5]!, inShard(0)[1]!];
    {
      const { set, close } = await openSet(dir);
      await set.deadLetter(dead.map((c) => ({ click_id: c.click_id, reason: 'HTTP 422' })));
      await close();
    }
    const list = await cli(['dead-letters', 'list', '--json'], dataDirEnv(dir));
    const listed = JSON.parse(list.stdout) as { click_id: string; reason: string }[];
    const byTime = [...dead].sort((a, b) => (a.clicked_at < b.clicked_at ? -1 : 1));
    expect(listed.map((d) => d.click_id)).toEqual(byTime.map((c) => c.click_id));
    expect(listed.every((d) => d.reason === 'HTTP 422')).toBe(true);

    const requeue = await cli(['dead-letters', 'requeue', '--id', dead[1]!.click_id], dataDirEnv(dir));
    expect(requeue.stdout).toContain('re-queued 1 dead letters');
    const purge = await cli(['dead-letters', 'purge', '--all'], dataDirEnv(dir));
    expect(purge.stdout).toContain('purged 2 dead letters');
    const after = JSON.parse((await cli(['dead-letters', 'list', '--json'], dataDirEnv(dir))).stdout) as unknown[];
    expect(after).toEqual([]);

    const r = await cli(['audit', '--json'], { ...dataDirEnv(dir), ...mainEnv(ms) });
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(r.stdout) as { shards: { file: string; checkpoints: number; rows: number }[] };
    expect(report.shards.map((s) => [s.file, s.rows, s.checkpoints])).toEqual([
      ['outbox.db', 9, 1],
      ['outbox-1.db', 9, 1],
      ['outbox-2.db', 10, 0],
    ]);
  }, CLI_TEST_MS);

  it('retention purges each shard, a checkpoint in its own chain, and the audit still passes', async () => {
    const dir = folder();
    const old = placed(30, 40 * DAY); // clicked 40 days ago
    const recent = placed(9);
    await writeShards(dir, [...old, ...recent]);
    const { set, close } = await openSet(dir);
    try {
      // Ship the old ones (through the set, as the shipper would), then purge past 30 days.
      const taken = await set.takePending(1000, 10_000_000, 0);
      const oldIds = new Set(old.map((p) => p.click.click_id));
      await set.ackShipped(taken.filter((t) => oldIds.has(t.click.click_id)).map((t) => t.seq), new Date(Date.now() - 39 * DAY));
      expect(audit(dir).violation_counts.retention).toBe(30); // due
      expect(await set.purgeExpired(30, { maxRowsPerTx: 4 })).toBe(30);
      const stats = await set.stats();
      expect(stats.shards.map((s) => [s.shard, s.pending, s.shipped])).toEqual([
        [0, 3, 0],
        [1, 3, 0],
        [2, 3, 0],
      ]);
    } finally {
      await close();
    }
    const readers = openShardReaders(dir);
    try {
      for (const r of readers.shards) expect([...r.checkpoints()].length).toBeGreaterThan(0);
    } finally {
      readers.close();
    }
    const r = await cli(['audit', '--json'], { ...dataDirEnv(dir), ...mainEnv(ms) });
    expect(r.code, r.stdout).toBe(0);
  }, CLI_TEST_MS);

  it('status sums every shard and lists each; analytics counts a session once across shards', async () => {
    const dir = folder();
    const items = placed(30);
    // The same visitor answered by two threads: one session, two shards.
    const session = items[0]!.click.session_id;
    for (const p of items.slice(0, 6)) p.click = { ...p.click, tracking_id: 'lt_shared', session_id: session };
    await writeShards(dir, items);
    {
      const { set, close } = await openSet(dir);
      const t = await set.takePending(4, 10_000_000, 0);
      await set.ackShipped(t.map((x) => x.seq));
      await set.deadLetter([{ click_id: items[8]!.click.click_id, reason: 'HTTP 422' }]);
      await close();
    }
    const r = await cli(['status', '--json'], { ...dataDirEnv(dir), ...mainEnv(ms) });
    expect(r.code, r.stderr).toBe(0);
    const o = (JSON.parse(r.stdout) as { outbox: { pending: number; shipped: number; dead_letter: number; shards: { file: string; pending: number; shipped: number; dead_letter: number }[] } }).outbox;
    expect([o.pending, o.shipped, o.dead_letter]).toEqual([25, 4, 1]);
    expect(o.shards.map((s) => s.file)).toEqual(['outbox.db', 'outbox-1.db', 'outbox-2.db']);
    expect(o.shards.reduce((n, s) => n + s.pending, 0)).toBe(25);
    expect(o.shards.reduce((n, s) => n + s.shipped, 0)).toBe(4);
    expect(o.shards.reduce((n, s) => n + s.dead_letter, 0)).toBe(1);

    const readers = openShardReaders(dir);
    try {
      const s = readers.trackingStats('lt_shared', []);
      expect(s.total).toBe(6);
      expect(s.sessions).toBe(1);
    } finally {
      readers.close();
    }
  }, CLI_TEST_MS);

  it('a shard whose head records more than its database holds is refused at open, naming it', async () => {
    const dir = folder();
    await writeShards(dir, placed(9));
    rmSync(shardFiles(dir, 2).db);
    rmSync(`${shardFiles(dir, 2).db}-wal`, { force: true });
    await expect(openShard(dir, 2)).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_BEHIND_HEAD', message: expect.stringContaining('outbox-2.head') });
    await expect(startTestService({ CLICKRELAY_STORAGE_DATA_DIR: dir })).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_BEHIND_HEAD' });
    const r = await cli(['audit', '--json'], dataDirEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('outbox-2.db does not exist although outbox-2.head does');
  }, CLI_TEST_MS);
});

/** The set's methods bound, to spread into a port with one of them wrapped. */
function bind(set: OutboxShardSet): Pick<OutboxShardSet, 'takePending' | 'ackShipped' | 'noteAttempt' | 'deadLetter' | 'stats'> {
  return {
    takePending: set.takePending.bind(set),
    ackShipped: set.ackShipped.bind(set),
    noteAttempt: set.noteAttempt.bind(set),
    deadLetter: set.deadLetter.bind(set),
    stats: set.stats.bind(set),
  };
}
