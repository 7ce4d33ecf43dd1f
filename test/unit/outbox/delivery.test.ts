/** What the shipper sees: pending clicks oldest first, acks, failed attempts, dead letters. */
import { describe, expect, it } from 'vitest';
import { openOutboxReadOnly, verifyChain } from '../../../src/outbox/index.js';
import { runsOf } from '../../../src/outbox/store.js';
import { metadataJson } from '../../../src/outbox/columns.js';
import type { ClickRecord } from '../../../src/types.js';

/** What takePending hands the shipper: the click with its metadata as the stored JSON text (issue #13: never parsed only to be sent). */
const asStored = (c: ClickRecord) => ({ ...c, metadata: metadataJson(c.metadata) });
import { ackClicks, click, openOutbox, recordAll, sqlite, tempDataDir } from './helpers.js';

async function outboxWith(count: number) {
  const dir = tempDataDir();
  const outbox = await openOutbox(dir);
  const clicks = Array.from({ length: count }, () => click());
  await recordAll(outbox, clicks);
  return { dir, outbox, clicks, ids: clicks.map((c) => c.click_id) };
}

describe('takePending', () => {
  it('returns pending clicks oldest first, as they were recorded', async () => {
    const { outbox, clicks } = await outboxWith(10);
    const got = await outbox.takePending(4, 1_000_000);
    expect(got.map((g) => g.seq)).toEqual([1, 2, 3, 4]);
    expect(got.map((g) => g.click)).toEqual(clicks.slice(0, 4).map(asStored));
  });

  it('continues after afterSeq, so the shipper can page without acking', async () => {
    const { outbox, ids } = await outboxWith(10);
    const got = await outbox.takePending(3, 1_000_000, 4);
    expect(got.map((g) => g.click.click_id)).toEqual(ids.slice(4, 7));
    expect(await outbox.takePending(100, 1_000_000, 10)).toEqual([]);
  });

  it('skips shipped and dead-lettered clicks', async () => {
    const { outbox, ids } = await outboxWith(6);
    await ackClicks(outbox, [ids[0]!, ids[2]!]);
    await outbox.deadLetter([{ click_id: ids[1]!, reason: 'HTTP 422: bad tracking_id' }]);
    expect((await outbox.takePending(100, 1_000_000)).map((g) => g.click.click_id)).toEqual([ids[3], ids[4], ids[5]]);
  });

  it('stops near maxBytes of JSON but always returns at least one click', async () => {
    const { outbox } = await outboxWith(10);
    const one = JSON.stringify((await outbox.takePending(1, 1_000_000))[0]!.click).length;
    expect(await outbox.takePending(10, 1)).toHaveLength(1);
    const some = await outbox.takePending(10, Math.floor(one * 3.5));
    expect(some.length).toBeGreaterThanOrEqual(2);
    expect(some.length).toBeLessThanOrEqual(4);
  });

  it('hands back anonymous clicks with their nulls and the anonymous flag', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const anon = click({ ip_address: null, user_agent: null, referrer_url: null, session_id: null, anonymous: true, metadata: {} });
    await recordAll(outbox, [anon]);
    expect((await outbox.takePending(1, 10_000))[0]!.click).toEqual(asStored(anon));
  });
});

describe('acks and dead letters', () => {
  it('marks acknowledged clicks shipped once, by seq, with the time', async () => {
    const { dir, outbox, ids } = await outboxWith(6); // seqs 1..6 in record order
    const at = new Date('2025-07-27T21:30:00.000Z');
    await outbox.deadLetter([{ click_id: ids[3]!, reason: 'HTTP 422' }]);
    // Out of order, one twice, one unknown, one dead (left dead): runs 1–2 and 4–6.
    expect(await outbox.ackShipped([6, 1, 2, 2, 4, 5, 99], at)).toBe(4);
    expect(await outbox.ackShipped([1])).toBe(0);
    expect(await outbox.stats()).toMatchObject({ pending: 1, shipped: 4, dead_letter: 1 });
    const rows = sqlite(dir).prepare('SELECT seq, state, shipped_at FROM clicks ORDER BY seq').all();
    const shipped = { state: 'shipped', shipped_at: at.toISOString() };
    expect(rows).toEqual([
      { seq: 1, ...shipped },
      { seq: 2, ...shipped },
      { seq: 3, state: 'pending', shipped_at: null },
      { seq: 4, state: 'dead', shipped_at: null },
      { seq: 5, ...shipped },
      { seq: 6, ...shipped },
    ]);
  });

  it('groups acknowledged positions into runs of consecutive ones', () => {
    expect(runsOf([])).toEqual([]);
    expect(runsOf([7, 1, 3, 2, 8, 8, 10])).toEqual([
      [1, 3],
      [7, 8],
      [10, 10],
    ]);
  });

  it('counts failed attempts and keeps the last error, leaving the click pending', async () => {
    const { dir, outbox, ids } = await outboxWith(2);
    await outbox.noteAttempt([ids[0]!], 'HTTP 503');
    await outbox.noteAttempt([ids[0]!], 'timeout');
    const row = sqlite(dir).prepare('SELECT state, attempts, last_error FROM clicks WHERE click_id = ?').get(ids[0]);
    expect(row).toEqual({ state: 'pending', attempts: 2, last_error: 'timeout' });
  });

  it('keeps dead letters with their reason until requeued', async () => {
    const { dir, outbox, ids } = await outboxWith(4);
    await outbox.deadLetter(ids.slice(0, 3).map((id) => ({ click_id: id, reason: 'HTTP 400: invalid' })));
    expect(await outbox.stats()).toMatchObject({ pending: 1, dead_letter: 3 });
    const row = sqlite(dir).prepare('SELECT state, dead_reason FROM clicks WHERE click_id = ?').get(ids[0]);
    expect(row).toEqual({ state: 'dead', dead_reason: 'HTTP 400: invalid' });

    expect(await outbox.requeueDead([ids[0]!])).toBe(1);
    expect(await outbox.stats()).toMatchObject({ pending: 2, dead_letter: 2 });
    expect(await outbox.requeueDead()).toBe(2);
    expect(await outbox.stats()).toMatchObject({ pending: 4, dead_letter: 0 });
    expect((await outbox.takePending(10, 1_000_000)).map((g) => g.click.click_id)).toEqual(ids);
  });

  it('purges only the dead letters asked for, leaving a checkpoint the chain verifies across', async () => {
    const { dir, outbox, ids } = await outboxWith(8);
    await outbox.deadLetter([2, 3, 6].map((i) => ({ click_id: ids[i]!, reason: 'HTTP 422' })));
    expect(await outbox.purgeDead([ids[2]!, ids[3]!, ids[4]!])).toBe(2); // ids[4] is pending: kept
    expect(await outbox.stats()).toMatchObject({ pending: 5, dead_letter: 1 });
    expect(await outbox.purgeDead()).toBe(1);
    await outbox.close();
    const db = sqlite(dir);
    expect(db.prepare('SELECT first_seq, last_seq, count, reason FROM chain_checkpoints ORDER BY first_seq').all()).toEqual([
      { first_seq: 3, last_seq: 4, count: 2, reason: 'dead' },
      { first_seq: 7, last_seq: 7, count: 1, reason: 'dead' },
    ]);
    const reader = openOutboxReadOnly(dir);
    expect(verifyChain(reader)).toMatchObject({ ok: true, rows: 5, last_seq: 8 });
    reader.close();
  });

  it('lets a reviewer read what is kept and whether it was shipped from the clicks_readable view', async () => {
    const { dir, outbox, ids } = await outboxWith(3);
    await ackClicks(outbox, [ids[0]!], new Date('2025-07-27T21:30:00.000Z'));
    await outbox.deadLetter([{ click_id: ids[1]!, reason: 'HTTP 422' }]);
    const rows = sqlite(dir).prepare('SELECT click_id, ip_address, anonymous, delivery FROM clicks_readable ORDER BY seq').all();
    expect(rows).toEqual([
      { click_id: ids[0], ip_address: '203.0.113.0', anonymous: 'no', delivery: 'shipped 2025-07-27T21:30:00.000Z' },
      { click_id: ids[1], ip_address: '203.0.113.0', anonymous: 'no', delivery: 'dead letter: HTTP 422' },
      { click_id: ids[2], ip_address: '203.0.113.0', anonymous: 'no', delivery: 'not shipped yet' },
    ]);
  });

  it('reports the oldest pending click and the newest position', async () => {
    const { outbox, clicks, ids } = await outboxWith(3);
    await ackClicks(outbox, [ids[0]!]);
    expect(await outbox.stats()).toMatchObject({ oldest_pending: clicks[1]!.clicked_at, last_seq: 3, queued: 0 });
  });
});
