/** Retention deletes only what was shipped and is past retention, and the chain survives it. */
import { describe, expect, it } from 'vitest';
import { openOutboxReadOnly, readHead, verifyChain } from '../../../src/outbox/index.js';
import { ackClicks, click, openOutbox, recordAll, sqlite, tempDataDir } from './helpers.js';

const NOW = new Date('2025-08-30T12:00:00.000Z');
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function verify(dir: string) {
  const reader = openOutboxReadOnly(dir);
  try {
    return verifyChain(reader);
  } finally {
    reader.close();
  }
}

describe('purgeExpired', () => {
  it('deletes shipped clicks and dead letters past retention and keeps pending and recent ones (#25: dead letters had no limit)', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    //                        0 old shipped, 1 old pending, 2 old dead, 3 old shipped, 4 recent shipped, 5 exactly 30 days old shipped
    const clicks = [40, 40, 40, 31, 5, 30].map((d) => click({ clicked_at: daysAgo(d) }));
    await recordAll(outbox, clicks);
    const ids = clicks.map((c) => c.click_id);
    await ackClicks(outbox, [ids[0]!, ids[3]!, ids[4]!, ids[5]!]);
    await outbox.deadLetter([{ click_id: ids[2]!, reason: 'HTTP 422' }]);

    expect(await outbox.purgeExpired(30, { now: NOW })).toBe(3);
    const left = sqlite(dir).prepare('SELECT click_id FROM clicks ORDER BY seq').pluck().all();
    expect(left).toEqual([ids[1], ids[4], ids[5]]);
    expect(await outbox.stats()).toMatchObject({ pending: 1, shipped: 2, dead_letter: 0 });
    await outbox.close();
    expect(verify(dir)).toMatchObject({ ok: true, rows: 3, last_seq: 6 });
  });

  it('in standalone mode (unshipped), deletes pending clicks past retention too (and old dead letters), never recent ones', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    //                        0 old pending, 1 old shipped, 2 old dead, 3 recent pending, 4 old pending, 5 recent dead
    const clicks = [40, 35, 40, 5, 31, 5].map((d) => click({ clicked_at: daysAgo(d) }));
    await recordAll(outbox, clicks);
    const ids = clicks.map((c) => c.click_id);
    await ackClicks(outbox, [ids[1]!]);
    await outbox.deadLetter([{ click_id: ids[2]!, reason: 'HTTP 422' }, { click_id: ids[5]!, reason: 'HTTP 422' }]);

    expect(await outbox.purgeExpired(30, { now: NOW, maxRowsPerTx: 1, unshipped: true })).toBe(4); // one row per transaction
    expect(sqlite(dir).prepare('SELECT click_id FROM clicks ORDER BY seq').pluck().all()).toEqual([ids[3], ids[5]]);
    expect(await outbox.stats()).toMatchObject({ pending: 1, shipped: 0, dead_letter: 1 });
    await outbox.close();
    expect(verify(dir)).toMatchObject({ ok: true, rows: 2, last_seq: 6 });
  });

  it('records one checkpoint per purged run, however small the transactions', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const clicks = Array.from({ length: 12 }, () => click({ clicked_at: daysAgo(60) }));
    await recordAll(outbox, clicks);
    const ids = clicks.map((c) => c.click_id);
    await ackClicks(outbox, ids.filter((_, i) => i !== 5)); // seq 6 stays pending: two runs, 1..5 and 7..12
    expect(await outbox.purgeExpired(30, { now: NOW, maxRowsPerTx: 2 })).toBe(11);
    const db = sqlite(dir);
    expect(db.prepare('SELECT first_seq, last_seq, count, reason FROM chain_checkpoints ORDER BY first_seq').all()).toEqual([
      { first_seq: 1, last_seq: 5, count: 5, reason: 'retention' },
      { first_seq: 7, last_seq: 12, count: 6, reason: 'retention' },
    ]);
    const lastHash = db.prepare('SELECT last_hash FROM chain_checkpoints WHERE last_seq = 12').pluck().get();
    await outbox.close();
    expect(readHead(dir)).toEqual({ seq: 12, chain_hash: lastHash });
    expect(verify(dir)).toMatchObject({ ok: true, rows: 1, last_seq: 12 });
  });

  it('never reuses a position, even after the newest clicks were purged and the outbox reopened', async () => {
    const dir = tempDataDir();
    let outbox = await openOutbox(dir);
    const old = Array.from({ length: 3 }, () => click({ clicked_at: daysAgo(90) }));
    await recordAll(outbox, old);
    await ackClicks(outbox, old.map((c) => c.click_id));
    expect(await outbox.purgeExpired(30, { now: NOW })).toBe(3);
    await outbox.close();

    outbox = await openOutbox(dir);
    await recordAll(outbox, [click()]);
    expect((await outbox.takePending(1, 10_000))[0]!.seq).toBe(4);
    await outbox.close();
    expect(verify(dir)).toMatchObject({ ok: true, rows: 1, last_seq: 4 });
  });

  it('does nothing when nothing is past retention', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const clicks = [click()];
    await recordAll(outbox, clicks);
    await ackClicks(outbox, [clicks[0]!.click_id]);
    expect(await outbox.purgeExpired(30)).toBe(0);
    expect(await outbox.stats()).toMatchObject({ shipped: 1 });
  });
});
