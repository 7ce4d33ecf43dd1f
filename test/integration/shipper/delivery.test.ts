/**
 * The shipper against the real reference main system over real HTTP and a real Outbox:
 * what is delivered, exactly once, whatever the main system does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { clicks, ofType, record, rig, storedIds, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('shipper delivery (batch mode)', () => {
  it('delivers a backlog in order-preserving batches and leaves nothing pending', async () => {
    r = await rig();
    const cs = clicks(450);
    await record(r.outbox, cs);
    const res = await r.shipper.drain({ timeoutMs: 10_000 });
    expect(res).toEqual({ pending: 0, dead_letter: 0, paused: false });
    const { ids, rows } = storedIds(r.ms);
    expect(rows).toBe(450);
    expect(ids).toEqual(new Set(cs.map((c) => c.click_id)));
    expect(r.ms.requestLog.count('record-clicks')).toBe(5);
    expect(r.shipper.stats()).toMatchObject({ shipped: 450, duplicates: 0, deadLettered: 0, inFlight: 0, paused: false, mode: 'batch' });
  });

  it('ships a lone click within about a second of notify()', async () => {
    r = await rig({ lingerMs: 200, pollMs: 60_000 });
    // Watched, not replaced: the shipper's first read finds nothing, and then only notify() wakes it.
    const take = r.outbox.takePending.bind(r.outbox);
    let reads = 0;
    r.outbox.takePending = async (...args) => {
      const items = await take(...args);
      reads++;
      return items;
    };
    r.shipper.start();
    await waitFor('the shipper to find the outbox empty', () => reads >= 1);
    const c = clicks(1);
    await record(r.outbox, c);
    const t0 = Date.now();
    r.shipper.notify();
    while (r.ms.clickCount() < 1 && Date.now() - t0 < 2_000) await new Promise((res) => setTimeout(res, 10));
    expect(r.ms.clickCount()).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('sends the wire shape of the guide plus click_id, with anonymous inside metadata', async () => {
    r = await rig();
    const [a, b] = clicks(2);
    b!.anonymous = true;
    b!.ip_address = b!.user_agent = b!.referrer_url = b!.session_id = null;
    await record(r.outbox, [a!, b!]);
    await r.shipper.drain({ timeoutMs: 5_000 });
    const stored = new Map(r.ms.clicks().map((s) => [s.click_id, s]));
    expect(stored.get(a!.click_id)).toMatchObject({
      tracking_id: a!.tracking_id,
      clicked_at: a!.clicked_at,
      ip_address: a!.ip_address,
      user_agent: a!.user_agent,
      referrer_url: a!.referrer_url,
      session_id: a!.session_id,
      click_source: a!.click_source,
      metadata: { utm_source: 'newsletter' },
    });
    expect(stored.get(b!.click_id)).toMatchObject({ ip_address: null, user_agent: null, metadata: { utm_source: 'newsletter', anonymous: true } });
  });

  it('holds exactly one copy of each click when 30% of answers are dropped after the main system stored the batch', async () => {
    r = await rig({ batchSize: 20 });
    r.ms.faults.dropAfterStore = { rate: 0.3, routes: ['record-clicks'] };
    const cs = clicks(600);
    await record(r.outbox, cs);
    const res = await r.shipper.drain({ timeoutMs: 20_000 });
    expect(res.pending).toBe(0);
    expect(res.dead_letter).toBe(0);
    const { ids, rows } = storedIds(r.ms);
    expect(rows).toBe(ids.size);
    expect(ids).toEqual(new Set(cs.map((c) => c.click_id)));
    // The drops really happened and were resent: the main system answered "duplicate" for them.
    expect(r.ms.requestLog.entries.filter((e) => e.dropped).length).toBeGreaterThan(0);
    expect(r.shipper.stats().duplicates).toBeGreaterThan(0);
    expect(r.shipper.stats().retriesByReason['connection']).toBeGreaterThan(0);
  });
});
