/**
 * Single mode (one guide-conformant record-click per click) and the batch→single fallback for
 * a main system that only speaks the integration guide.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clicks, ofType, record, rig, storedIds, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('shipper in single mode', () => {
  it('delivers every click with its own record-click and nothing through record-clicks', async () => {
    r = await rig({ mode: 'single', concurrency: 4 });
    const cs = clicks(120);
    await record(r.outbox, cs);
    const res = await r.shipper.drain({ timeoutMs: 10_000 });
    expect(res).toEqual({ pending: 0, dead_letter: 0, paused: false });
    const { ids, rows } = storedIds(r.ms);
    expect(rows).toBe(120);
    expect(ids).toEqual(new Set(cs.map((c) => c.click_id)));
    expect(r.ms.requestLog.count('record-click')).toBe(120);
    expect(r.ms.requestLog.count('record-clicks')).toBe(0);
    expect(r.ms.clicks().every((c) => c.via === 'single')).toBe(true);
  });

  it('resends a click whose answer was lost and counts the main system\'s "duplicate" as delivered', async () => {
    r = await rig({ mode: 'single' });
    r.ms.faults.dropAfterStore = { rate: 0.3 };
    const cs = clicks(80);
    await record(r.outbox, cs);
    const res = await r.shipper.drain({ timeoutMs: 10_000 });
    expect(res.pending).toBe(0);
    const { ids, rows } = storedIds(r.ms);
    expect(rows).toBe(ids.size);
    expect(ids.size).toBe(80);
    expect(r.shipper.stats().duplicates).toBeGreaterThan(0);
  });

  it('dead-letters a click refused with 422 and delivers the others', async () => {
    r = await rig({ mode: 'single' });
    r.ms.faults.poisonTrackingIds.add('lt_poison');
    await record(r.outbox, [...clicks(5), ...clicks(1, 'lt_poison'), ...clicks(5)]);
    const res = await r.shipper.drain({ timeoutMs: 5_000 });
    expect(res).toEqual({ pending: 0, dead_letter: 1, paused: false });
    expect(r.ms.clickCount()).toBe(10);
    expect(ofType(r.events, 'dead_letter')).toEqual([{ type: 'dead_letter', count: 1, kind: 'http', status: 422, reason: 'HTTP 422: Rejected tracking_id' }]);
  });

  it('retries a 200 without a click status (an error page) instead of taking it as delivered', async () => {
    r = await rig({ mode: 'single', concurrency: 1 });
    r.ms.faults.garbage = { count: 3 };
    await record(r.outbox, clicks(4));
    const res = await r.shipper.drain({ timeoutMs: 5_000 });
    expect(res.pending).toBe(0);
    expect(r.ms.clickCount()).toBe(4);
    expect(r.shipper.stats().retriesByReason['bad_response']).toBe(3);
  });
});

describe('batch to single fallback', () => {
  it('falls back to single mode for good when record-clicks answers 404, logging it once', async () => {
    r = await rig({ mode: 'batch', batchSize: 20 });
    r.ms.faults.notFoundRoutes.add('record-clicks');
    const cs = clicks(100);
    await record(r.outbox, cs);
    const res = await r.shipper.drain({ timeoutMs: 10_000 });
    expect(res).toEqual({ pending: 0, dead_letter: 0, paused: false });
    expect(storedIds(r.ms).ids).toEqual(new Set(cs.map((c) => c.click_id)));
    expect(ofType(r.events, 'fallback_to_single')).toEqual([{ type: 'fallback_to_single', status: 404 }]);
    expect(r.shipper.stats().mode).toBe('single');
    // at most the batches already in flight asked record-clicks; everything after went single
    expect(r.ms.requestLog.count('record-clicks')).toBeLessThanOrEqual(2);
    expect(r.ms.requestLog.count('record-click')).toBe(100);

    await record(r.outbox, clicks(10));
    await r.shipper.drain({ timeoutMs: 5_000 });
    expect(r.ms.requestLog.count('record-clicks')).toBeLessThanOrEqual(2);
    expect(r.ms.clickCount()).toBe(110);
  });
});
