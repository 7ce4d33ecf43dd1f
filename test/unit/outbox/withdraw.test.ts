import { describe, expect, it } from 'vitest';
import { openOutboxReadOnly, verifyChain } from '../../../src/outbox/index.js';
import { click, openOutbox, recordAll, tempDataDir } from './helpers.js';

describe('Outbox.withdraw (a redirect whose connection closed before its answer)', () => {
  it('takes back a click still waiting for its round: it is never stored, reported or called back', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir, { durability: 'durable', commitIntervalMs: 0 });
    const reported: number[] = [];
    outbox.onCommit((r) => reported.push(r.count));
    const [a, b, c] = [click(), click({ anonymous: true, ip_address: null, user_agent: null, referrer_url: null, session_id: null }), click()];
    let calledBack = false;
    const stored = recordAll(outbox, [a]);
    const onB = () => {
      calledBack = true;
    };
    outbox.record(b, onB);
    const last = recordAll(outbox, [c]);
    expect(outbox.withdraw(onB)).toBe(true); // same turn: the round has not gone yet
    expect(outbox.withdraw(onB)).toBe(false);
    await Promise.all([stored, last]);
    expect(calledBack).toBe(false);
    expect(reported).toEqual([2]);

    const ro = openOutboxReadOnly(dir);
    try {
      expect([...ro.clicks()].map((s) => s.click.click_id)).toEqual([a.click_id, c.click_id]);
      expect(verifyChain(ro).violations).toEqual([]);
    } finally {
      ro.close();
    }
  });

  it('cannot take back a click once its round went to the writer', async () => {
    const outbox = await openOutbox(tempDataDir(), { durability: 'durable', commitIntervalMs: 0 });
    let onA!: (err: Error | null) => void;
    const committed = new Promise<Error | null>((resolve) => {
      onA = resolve;
      outbox.record(click(), onA);
    });
    await new Promise((r) => setImmediate(r));
    expect(outbox.withdraw(onA)).toBe(false);
    expect(await committed).toBeNull();
  });
});
