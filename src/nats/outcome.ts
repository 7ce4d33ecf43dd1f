/**
 * A batch's verdicts, one per click, read into the port's outcome. Pure.
 * - every click stored (now or before) or refused: answered; the refused ones are
 *   dead-lettered (only a message the stream refuses for itself, e.g. over max_msg_size);
 * - some sent again: answered with those `unanswered`, and why;
 * - none answered: a refusal of access pauses shipping (`unauthorized`, the coded detail),
 *   anything else is a retry of the whole batch.
 */
import type { SinkOutcome, SinkRetry } from '../shipper/ports.js';
import type { NatsError } from './errors.js';
import type { PubVerdict } from './verdict.js';

export function outcomeOf(verdicts: readonly (PubVerdict | undefined)[], timeoutMs: number): SinkOutcome {
  let recorded = 0;
  let duplicates = 0;
  const rejected: { at: number; reason: string }[] = [];
  const unanswered: number[] = [];
  let retry: SinkRetry | undefined;
  let access: NatsError | undefined;
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i] ?? { kind: 'retry', reason: 'timeout', detail: `no PubAck within ${timeoutMs} ms` };
    switch (v.kind) {
      case 'stored':
        if (v.duplicate) duplicates++;
        else recorded++;
        break;
      case 'refused':
        rejected.push({ at: i, reason: v.reason });
        break;
      case 'retry':
        unanswered.push(i);
        retry ??= { reason: v.reason, detail: v.detail, retryAfterMs: null, ...(v.slowDown ? { slowDown: true } : {}) };
        break;
      case 'access':
        unanswered.push(i);
        access ??= v.error;
        break;
    }
  }
  if (recorded + duplicates + rejected.length === 0 && verdicts.length > 0) {
    if (access) return { kind: 'unauthorized', detail: access.detail };
    return { kind: 'retry', ...retry! };
  }
  const answered = { kind: 'answered' as const, recorded, duplicates, ...(rejected.length > 0 ? { rejected } : {}) };
  if (unanswered.length === 0) return answered;
  return { ...answered, unanswered, retry: retry ?? { reason: 'server_error', detail: access!.detail, retryAfterMs: null } };
}

/** The same outcome for a whole batch that could not be published at all. */
export function outcomeOfAll(v: PubVerdict, n: number, timeoutMs: number): SinkOutcome {
  return outcomeOf(new Array<PubVerdict>(n).fill(v), timeoutMs);
}
