/**
 * Layer 3, single mode: one guide-conformant record-click per click (plus its click_id, which
 * is also its Idempotency-Key), `concurrency` lanes over one keep-alive pool. A lane retries
 * its click until answered, so an outage holds at most `concurrency` clicks in retry, not the
 * whole read-ahead.
 */
import type { Verdict } from './classify.js';
import { RECORD_CLICK, type Delivery } from './deliver.js';
import { withRetry, type Step } from './retry.js';
import type { Item } from './wire.js';

export async function deliverSingles(d: Delivery, items: readonly Item[]): Promise<void> {
  let next = 0;
  // A lane goes on to its next click while the last one's acknowledgement is written (the
  // settler folds them into one outbox call); the batch ends once all of them are written.
  const writes: Promise<void>[] = [];
  const lane = async () => {
    while (next < items.length && !d.ctx.stopping.aborted) writes.push((await deliverOne(d, items[next++]!)).written);
  };
  await Promise.all(Array.from({ length: Math.min(d.concurrency, items.length) }, lane));
  await Promise.all(writes);
}

type Final =
  | Exclude<Verdict, { kind: 'ok' | 'retry' | 'unauthorized' | 'aborted' }>
  | { kind: 'answered'; duplicate: boolean }
  | { kind: 'rejected'; reason: string; status: number };

/** Resolves once the click is answered (or shipping stops), with the outbox write of that answer (wrapped: a promise would be flattened). */
export async function deliverOne(d: Delivery, item: Item): Promise<{ written: Promise<void> }> {
  const attempt = async (): Promise<Step<Final>> => {
    const v = await d.request(RECORD_CLICK, item.json, item.id);
    if (v.kind === 'retry' || v.kind === 'unauthorized' || v.kind === 'aborted') return v;
    if (v.kind !== 'ok') return { kind: 'done', value: v };
    const a = readAnswer(v.body);
    if (a === null) return { kind: 'retry', reason: 'bad_response', status: v.status, retryAfterMs: null, detail: `HTTP ${v.status}: answer without a click status` };
    if (a.status === 'rejected') return { kind: 'done', value: { kind: 'rejected', reason: a.reason, status: v.status } };
    return { kind: 'done', value: { kind: 'answered', duplicate: a.status === 'duplicate' } };
  };
  const r = await withRetry(d.ctx, attempt, { count: () => 1, note: (e) => d.settler.note([item.id], e) });
  if (r === null) return { written: Promise.resolve() };
  const v = r.value;
  if (v.kind === 'answered') return { written: d.settler.ack([item.seq], v.duplicate ? 1 : 0, true) };
  if (v.kind === 'rejected') return { written: d.settler.deadLetter([{ click_id: item.id, reason: v.reason }], 'rejected', v.status) };
  // A 404 here is the guide's "Link not found or expired" for this click's tracking_id, a 422
  // a refused click: permanent for this click, whatever happens to the others.
  return { written: d.settler.deadLetter([{ click_id: item.id, reason: v.detail }], 'http', v.status) };
}

/**
 * The guide's answer says `"status": "recorded"` (the contract adds "duplicate", and a 2xx
 * "rejected" is read as in a batch result). A 2xx without a status is not taken as an
 * acknowledgement: a proxy or a broken main system can answer 200 with an error page, and
 * acknowledging that would lose the click. It is retried instead (retries, reason bad_response).
 */
function readAnswer(body: string): { status: 'recorded' | 'duplicate' } | { status: 'rejected'; reason: string } | null {
  try {
    const j = JSON.parse(body) as { status?: unknown; error?: unknown } | null;
    const s = j?.status;
    if (s === 'recorded' || s === 'duplicate') return { status: s };
    if (s === 'rejected') return { status: s, reason: `rejected: ${typeof j?.error === 'string' && j.error !== '' ? j.error.slice(0, 200) : 'no reason given'}` };
    return null;
  } catch {
    return null;
  }
}
