import { describe, expect, it } from 'vitest';
import { readResults } from '../../../src/main-system/http/click-answers.js';
import { clickJson } from '../../../src/lib/click-json.js';
import { batchBody, batchKey } from '../../../src/main-system/http/click-wire.js';
import type { ClickRecord, StoredClick } from '../../../src/types.js';

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

/** The click as the outbox stores it (metadata: JSON text with sorted keys). */
const stored = (r: ClickRecord): StoredClick => ({ ...r, metadata: JSON.stringify(r.metadata, Object.keys(r.metadata).sort()) });
/** What the main system reads from the wire for one click. */
const toWire = (r: ClickRecord) => JSON.parse(clickJson(stored(r))) as Record<string, unknown> & { metadata: Record<string, unknown> };
const toItem = (seq: number, r: ClickRecord) => ({ seq, click: stored(r) });
type Item = ReturnType<typeof toItem>;
const body = (items: readonly Item[]) => batchBody(items.map((i) => clickJson(i.click)));
const key = (items: readonly Item[]) => batchKey(items.map((i) => i.click.click_id));
/** readResults' indexes, as the shipper settles them: acknowledged seqs, rejected ids, unanswered items. */
function settled(answer: string, items: readonly Item[]) {
  const r = readResults(answer, items.map((i) => i.click.click_id));
  if (r === null) return null;
  const open = new Set([...r.unanswered, ...r.rejected.map((x) => x.at)]);
  return {
    acked: items.filter((_, i) => !open.has(i)).map((i) => i.seq),
    duplicates: r.duplicates,
    rejected: r.rejected.map((x) => ({ click_id: items[x.at]!.click.click_id, reason: x.reason })),
    unanswered: r.unanswered.map((i) => ({ id: items[i]!.click.click_id })),
  };
}

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
    const click = stored(c('a', { anonymous: true }));
    const before = click.metadata;
    clickJson(click);
    expect(click.metadata).toBe(before);
  });

  it('sends the stored metadata bytes as they are (spliced, never parsed and re-serialised)', () => {
    const s = stored(c('a', { metadata: { utm_source: 'a"b\\c ü 😀', bot: true, country: 'DE' } }));
    const json = clickJson(s);
    expect(json.endsWith(`,"metadata":${s.metadata}}`)).toBe(true);
    const anon = stored(c('b', { anonymous: true, metadata: {} }));
    expect(clickJson(anon).endsWith(`,"metadata":{"anonymous":true}}`)).toBe(true);
    const anonUtm = stored(c('c', { anonymous: true }));
    expect(clickJson(anonUtm).endsWith(`,"metadata":${anonUtm.metadata.slice(0, -1)},"anonymous":true}}`)).toBe(true);
  });

  it('builds a record-clicks body from the serialized clicks', () => {
    const items = [toItem(1, c('a')), toItem(2, c('b'))];
    expect(JSON.parse(body(items))).toEqual({ clicks: [toWire(c('a')), toWire(c('b'))] });
    expect(JSON.parse(body([]))).toEqual({ clicks: [] });
  });
});

describe('batch Idempotency-Key', () => {
  it('is the same for the same clicks in any order, and differs for any other set', () => {
    const [a, b, d] = [toItem(1, c('a')), toItem(2, c('b')), toItem(3, c('d'))];
    expect(key([a, b])).toBe(key([b, a]));
    expect(key([a, b])).not.toBe(key([a, d]));
    expect(key([a, b])).not.toBe(key([a]));
    expect(key([a])).toMatch(/^clicks-[0-9a-f]{64}$/);
  });
});

describe('reading record-clicks results', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => toItem(i + 1, c(id)));

  it('settles each click by its own result and resends the unanswered', () => {
    const answer = JSON.stringify({
      results: [
        { click_id: 'a', status: 'recorded' },
        { click_id: 'b', status: 'duplicate' },
        { click_id: 'c', status: 'rejected', error: 'Rejected tracking_id' },
        { click_id: 'd', status: 'weird' },
        { click_id: 'zzz', status: 'recorded' },
      ],
    });
    const r = settled(answer, items)!;
    expect(r.acked).toEqual([1, 2]); // by seq: the outbox acknowledges positions
    expect(r.duplicates).toBe(1);
    expect(r.rejected).toEqual([{ click_id: 'c', reason: 'rejected: Rejected tracking_id' }]);
    expect(r.unanswered.map((i) => i.id)).toEqual(['d', 'e']);
  });

  it('gives a reason to a rejection that came without one', () => {
    expect(settled('{"results":[{"click_id":"a","status":"rejected"}]}', items)!.rejected).toEqual([{ click_id: 'a', reason: 'rejected: no reason given' }]);
  });

  it('returns null for anything that is not a results answer', () => {
    for (const answer of ['', 'null', '[]', '{}', '{"results":{}}', '<html>', '{"links": [{"tracking_id": "lt_oops", <html>']) expect(settled(answer, items)).toBeNull();
  });
});
