import { describe, expect, it } from 'vitest';
import { readResults } from '../../../src/shipper/results.js';
import { batchBody, batchKey, toItem, toWire } from '../../../src/shipper/wire.js';
import type { ClickRecord } from '../../../src/types.js';

const c = (id: string, over: Partial<ClickRecord> = {}): ClickRecord => ({
  click_id: id,
  tracking_id: 'lt_abc123def456',
  clicked_at: '2025-07-27T21:15:30.000Z',
  ip_address: '192.168.1.0',
  user_agent: 'Chrome 120 / Windows',
  referrer_url: 'https://gmail.com',
  session_id: 'sess_xyz789',
  click_source: 'email',
  metadata: { utm_source: 'email', utm_medium: 'application' },
  anonymous: false,
  ...over,
});

describe('the wire shape', () => {
  it('is the guide\'s record-click body plus click_id, nothing else', () => {
    expect(Object.keys(toWire(c('a')))).toEqual(['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata']);
    expect(toWire(c('a')).metadata).toEqual({ utm_source: 'email', utm_medium: 'application' });
  });

  it('carries anonymous inside metadata, only for DNT/GPC clicks', () => {
    const w = toWire(c('a', { anonymous: true, ip_address: null, user_agent: null, referrer_url: null, session_id: null }));
    expect(w.metadata).toEqual({ utm_source: 'email', utm_medium: 'application', anonymous: true });
    expect(w.ip_address).toBeNull();
  });

  it('never changes the click it was given', () => {
    const click = c('a', { anonymous: true });
    toWire(click);
    expect(click.metadata).toEqual({ utm_source: 'email', utm_medium: 'application' });
  });

  it('builds a record-clicks body from the serialized clicks', () => {
    const items = [toItem(1, c('a')), toItem(2, c('b'))];
    expect(JSON.parse(batchBody(items))).toEqual({ clicks: [toWire(c('a')), toWire(c('b'))] });
    expect(JSON.parse(batchBody([]))).toEqual({ clicks: [] });
  });
});

describe('batch Idempotency-Key', () => {
  it('is the same for the same clicks in any order, and differs for any other set', () => {
    const [a, b, d] = [toItem(1, c('a')), toItem(2, c('b')), toItem(3, c('d'))];
    expect(batchKey([a, b])).toBe(batchKey([b, a]));
    expect(batchKey([a, b])).not.toBe(batchKey([a, d]));
    expect(batchKey([a, b])).not.toBe(batchKey([a]));
    expect(batchKey([a])).toMatch(/^clicks-[0-9a-f]{64}$/);
  });
});

describe('reading record-clicks results', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => toItem(i + 1, c(id)));

  it('settles each click by its own result and resends the unanswered', () => {
    const body = JSON.stringify({
      results: [
        { click_id: 'a', status: 'recorded' },
        { click_id: 'b', status: 'duplicate' },
        { click_id: 'c', status: 'rejected', error: 'Rejected tracking_id' },
        { click_id: 'd', status: 'weird' },
        { click_id: 'zzz', status: 'recorded' },
      ],
    });
    const r = readResults(body, items)!;
    expect(r.acked).toEqual([1, 2]); // by seq: the outbox acknowledges positions
    expect(r.duplicates).toBe(1);
    expect(r.rejected).toEqual([{ click_id: 'c', reason: 'rejected: Rejected tracking_id' }]);
    expect(r.unanswered.map((i) => i.id)).toEqual(['d', 'e']);
  });

  it('gives a reason to a rejection that came without one', () => {
    expect(readResults('{"results":[{"click_id":"a","status":"rejected"}]}', items)!.rejected).toEqual([{ click_id: 'a', reason: 'rejected: no reason given' }]);
  });

  it('returns null for anything that is not a results answer', () => {
    for (const body of ['', 'null', '[]', '{}', '{"results":{}}', '<html>', '{"links": [{"tracking_id": "lt_oops", <html>']) expect(readResults(body, items)).toBeNull();
  });
});
