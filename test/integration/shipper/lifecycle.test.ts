/**
 * start, drain and stop as the service and `clickrelay ship --once` use them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { waitFor } from '../../support/wait-for.js';
import { clicks, record, rig, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});


function attemptsOf(dir: string): number[] {
  const ro = openOutboxReadOnly(dir);
  const a = [...ro.clicks()].map((c) => c.attempts);
  ro.close();
  return a;
}

describe('stop', () => {
  it('aborts a request still unanswered when the grace is over, and marks nothing', async () => {
    r = await rig({ batchSize: 10, timeoutMs: 10_000 });
    r.ms.faults.slowMs = 3_000;
    await record(r.outbox, clicks(10));
    r.shipper.start();
    await waitFor('the batch of 10 in flight', () => r!.shipper.stats().inFlight === 10);
    expect(r.shipper.stats().inFlight).toBe(10);
    const t0 = Date.now();
    await r.shipper.stop({ graceMs: 150 });
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(await r.outbox.stats()).toMatchObject({ pending: 10, dead_letter: 0 });
    expect(attemptsOf(r.dir)).toEqual(Array(10).fill(0));
    expect(r.events).toEqual([]);
  });

  it('lets a request answered within the grace finish, acknowledges it, and starts nothing new', async () => {
    r = await rig({ batchSize: 10, pipeline: 1 });
    r.ms.faults.slowMs = 300;
    await record(r.outbox, clicks(30));
    r.shipper.start();
    await waitFor('the first batch in flight', () => r!.shipper.stats().inFlight === 10);
    await r.shipper.stop({ graceMs: 5_000 });
    expect((await r.outbox.stats()).pending).toBe(20);
    expect(r.ms.clickCount()).toBe(10);
    expect(r.ms.requestLog.count('record-clicks')).toBe(1);
  });

  it('cuts a backoff wait short instead of sleeping it out', async () => {
    r = await rig({ maxBackoffMs: 60_000, baseBackoffMs: 30_000, random: () => 0.99 });
    r.ms.faults.status5xx = { status: 503 };
    await record(r.outbox, clicks(5));
    r.shipper.start();
    await waitFor('the 503 and the backoff it starts', () => r!.events.some((e) => e.type === 'retry'));
    const t0 = Date.now();
    await r.shipper.stop({ graceMs: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect((await r.outbox.stats()).pending).toBe(5);
  });
});

describe('drain', () => {
  it('ships without lingering, even when the shipper was never started', async () => {
    r = await rig({ lingerMs: 60_000 });
    await record(r.outbox, clicks(3));
    const t0 = Date.now();
    expect(await r.shipper.drain({ timeoutMs: 5_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('gives up at its timeout while the main system is down, reporting what is still pending', async () => {
    r = await rig();
    await r.ms.setDown(true);
    await record(r.outbox, clicks(7));
    const t0 = Date.now();
    expect(await r.shipper.drain({ timeoutMs: 400 })).toEqual({ pending: 7, dead_letter: 0, paused: false });
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('reports a pause when the key is refused', async () => {
    r = await rig({ apiKey: 'not-the-key' });
    await record(r.outbox, clicks(2));
    expect(await r.shipper.drain({ timeoutMs: 400 })).toEqual({ pending: 2, dead_letter: 0, paused: true });
  });

  it('counts what it shipped in stats(), with the time of the last success', async () => {
    const at = Date.parse('2030-01-01T00:00:00Z');
    r = await rig({ now: () => at });
    await record(r.outbox, clicks(4));
    await r.shipper.drain({ timeoutMs: 5_000 });
    expect(r.shipper.stats()).toEqual({
      inFlight: 0,
      shipped: 4,
      duplicates: 0,
      retriesByReason: {},
      deadLettered: 0,
      lastSuccess: at,
      paused: false,
      mode: 'batch',
    });
    const ro = openOutboxReadOnly(r.dir);
    expect([...ro.clicks()].map((c) => c.shipped_at)).toEqual(Array(4).fill('2030-01-01T00:00:00.000Z'));
    ro.close();
  });
});
