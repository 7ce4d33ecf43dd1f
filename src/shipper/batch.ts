/**
 * Layer 3, batch mode: record-clicks with up to batch_size clicks, each click settled by its
 * own result. Wraps the retry layer (which wraps send). What is not a plain retry:
 * - 413: the batch is halved and each half sent, down to one click (then it is dead-lettered).
 * - another 4xx on the whole batch: one click may poison it, so halve until the refusal is
 *   pinned on single clicks; only those are dead-lettered, their neighbours go through.
 * - 404/405/501: the main system has no batch endpoint: single mode from now on.
 * - a 2xx that leaves some clicks unanswered: the answered ones are settled, the rest resent.
 */
import type { Verdict } from './classify.js';
import { RECORD_CLICKS, type Delivery } from './deliver.js';
import { readResults } from './results.js';
import { withRetry, type Step } from './retry.js';
import { deliverSingles } from './single.js';
import { batchBody, batchKey, type Item } from './wire.js';

type Final = { kind: 'answered' } | Exclude<Verdict, { kind: 'ok' | 'retry' | 'unauthorized' | 'aborted' }>;

export async function deliverBatch(d: Delivery, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  if (d.mode() === 'single') return deliverSingles(d, items);
  let remaining = items;

  const attempt = async (): Promise<Step<Final>> => {
    const v = await d.request(RECORD_CLICKS, batchBody(remaining), batchKey(remaining));
    if (v.kind === 'retry' || v.kind === 'unauthorized' || v.kind === 'aborted') return v;
    if (v.kind !== 'ok') return { kind: 'done', value: v };
    const r = readResults(v.body, remaining);
    if (r === null) return { kind: 'retry', reason: 'bad_response', status: v.status, retryAfterMs: null, detail: `HTTP ${v.status}: answer without results` };
    await Promise.all([d.settler.ack(r.acked, r.duplicates), d.settler.deadLetter(r.rejected, 'rejected')]);
    if (r.unanswered.length === 0) return { kind: 'done', value: { kind: 'answered' } };
    const missing = r.unanswered.length;
    remaining = r.unanswered;
    return { kind: 'retry', reason: 'bad_response', status: v.status, retryAfterMs: null, detail: `HTTP ${v.status}: no result for ${missing} clicks` };
  };

  const r = await withRetry(d.ctx, attempt, {
    count: () => remaining.length,
    note: (e) => d.settler.note(remaining.map((i) => i.id), e),
  });
  if (r === null) return;
  const v = r.value;
  switch (v.kind) {
    case 'answered':
      return;
    case 'no_route':
      d.fallBack(v.status);
      return deliverSingles(d, remaining);
    case 'too_large':
    case 'refused':
      if (remaining.length > 1) return split(d, remaining, v.status);
      await d.settler.deadLetter([{ click_id: remaining[0]!.id, reason: v.detail }], 'http', v.status);
  }
}

async function split(d: Delivery, items: readonly Item[], status: number): Promise<void> {
  d.ctx.emit({ type: 'split', size: items.length, status });
  const mid = Math.ceil(items.length / 2);
  await Promise.all([deliverBatch(d, items.slice(0, mid)), deliverBatch(d, items.slice(mid))]);
}
