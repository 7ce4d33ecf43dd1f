import { describe, expect, it } from 'vitest';
import { newCounters } from '../../../src/shipper/counters.js';
import { createRetryPolicy } from '../../../src/shipper/retry-policy.js';
import { Settler } from '../../../src/shipper/settle.js';
import type { OutboxPort, ShipperEvent } from '../../../src/shipper/types.js';
import { waitFor } from '../../support/wait-for.js';

function setup(fail = 0, writeMs = 2) {
  const calls: number[][] = [];
  const events: ShipperEvent[] = [];
  let failures = fail;
  const outbox: OutboxPort = {
    takePending: async () => [],
    ackShipped: async (ids) => {
      await (writeMs > 0 ? new Promise((r) => setTimeout(r, writeMs)) : Promise.resolve());
      if (failures-- > 0) throw new Error('disk I/O error');
      calls.push([...ids]);
      return ids.length;
    },
    noteAttempt: async () => undefined,
    deadLetter: async () => undefined,
    stats: async () => ({ pending: 0, dead_letter: 0 }),
  };
  const stop = new AbortController();
  const ctx = { counters: newCounters() };
  const policy = createRetryPolicy({ baseMs: 1, capMs: 5, random: () => 0, stopping: stop.signal });
  const settler = new Settler({ outbox, policy, counters: ctx.counters, emit: (e) => events.push(e), now: () => 1_000, stopping: stop.signal });
  return { settler, calls, events, ctx, stop };
}

describe('Settler', () => {
  it('folds acknowledgements that arrive together into one outbox call', async () => {
    const { settler, calls, events, ctx } = setup();
    await Promise.all([settler.ack([1], 0, true), settler.ack([2], 1, true), settler.ack([3], 0, true)]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(events).toEqual([{ type: 'shipped', count: 3, duplicates: 1 }]);
    expect(ctx.counters).toMatchObject({ shipped: 3, duplicates: 1, lastSuccess: 1_000 });
  });

  it('keeps acknowledging after a linger timer found nothing left to write', async () => {
    const { settler, calls } = setup(0, 0); // writes finish well inside the linger
    const full = settler.ack(Array.from({ length: 500 }, (_, i) => 100 + i), 0); // a full batch: written at once
    const small = settler.ack([1], 0, true); // arms the linger timer; the write under way takes it along
    await Promise.all([full, small]);
    // Elapsed time is the event here: the settler's 5 ms linger timer fires on an empty queue,
    // and nothing outside it marks that moment.
    await new Promise((r) => setTimeout(r, 20));
    const late = settler.ack([2], 0, true);
    const wedged = await Promise.race([late.then(() => false), new Promise((r) => setTimeout(() => r(true), 500))]); // a deadline: wedged if not written by then
    expect(wedged).toBe(false);
    expect(calls).toEqual([expect.any(Array), [1], [2]]);
  });

  it('retries an acknowledgement the outbox failed to write, and tells the service', async () => {
    const { settler, calls, events } = setup(2);
    await settler.ack([1], 0);
    expect(calls).toEqual([[1]]);
    expect(events.filter((e) => e.type === 'outbox_error')).toHaveLength(2);
  });

  it('gives up on a failing write once shipping stops, leaving the click pending', async () => {
    const { settler, calls, events, stop } = setup(1_000);
    const p = settler.ack([1], 0);
    await waitFor('a failed write of the acknowledgement', () => events.some((e) => e.type === 'outbox_error'));
    stop.abort();
    await p;
    await settler.idle();
    expect(calls).toEqual([]);
  });
});
