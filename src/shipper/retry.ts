/**
 * The retry layer: delivers clicks through the sink until every one of them has a final
 * answer, or the whole lot a final refusal, by the one retry policy. Clicks the main system
 * answered for are handed up at once (`onAnswer`), the unanswered rest is sent again; every
 * failed attempt is noted on the clicks it concerned; a refused credential pauses shipping
 * (gate.ts) instead of blaming the clicks.
 */
import type { SinkOutcome, SinkRetry, StoredClick } from './ports.js';
import { countRetry, type Counters } from './counters.js';
import type { PauseGate } from './gate.js';
import type { RetryPolicy, Try } from './retry-policy.js';
import type { Item, ShipperEvent } from './types.js';

/** One attempt at the sink: a batch, or (`one`) a single click on its own route. */
export type Send = (clicks: readonly StoredClick[], one: boolean) => Promise<SinkOutcome>;

/** What the main system said about some of the clicks. */
export interface Answer {
  /** seqs of the clicks stored now or before */
  acked: number[];
  duplicates: number;
  rejected: { click_id: string; reason: string }[];
  /** The HTTP status the rejections came with, if any. */
  status: number | undefined;
}

/** How a delivery ended, for the clicks not answered one by one. */
export type Final =
  | { kind: 'answered' }
  | { kind: 'refused'; items: readonly Item[]; reason: string; status?: number }
  | { kind: 'batch_unsupported'; items: readonly Item[]; status: number };

export interface RetryLayerDeps {
  send: Send;
  policy: RetryPolicy;
  gate: PauseGate;
  counters: Counters;
  emit(e: ShipperEvent): void;
  /** Keeps a failed attempt's error on the clicks (outbox.noteAttempt); best effort. */
  note(clickIds: readonly string[], error: string): Promise<void>;
}

export type RetryLayer = (items: readonly Item[], one: boolean, onAnswer: (a: Answer) => void) => Promise<Final | null>;

export function createRetryLayer(d: RetryLayerDeps): RetryLayer {
  return async (items, one, onAnswer) => {
    let remaining = items;
    const attempt = async (): Promise<Try<Final, SinkRetry>> => {
      const o = await d.send(
        remaining.map((i) => i.click),
        one,
      );
      switch (o.kind) {
        case 'answered': {
          const settled = answerOf(remaining, o);
          if (settled.acked.length + settled.rejected.length > 0) onAnswer(settled);
          if (!o.unanswered?.length) {
            d.gate.answered();
            return { kind: 'done', value: { kind: 'answered' } };
          }
          const before = remaining;
          remaining = o.unanswered.map((at) => before[at]!);
          const why = o.retry ?? { reason: 'bad_response', retryAfterMs: null, detail: `no result for ${remaining.length} clicks` };
          return { kind: 'again', failure: why, retryAfterMs: why.retryAfterMs };
        }
        case 'retry':
          return { kind: 'again', failure: o, retryAfterMs: o.retryAfterMs };
        case 'unauthorized':
          countRetry(d.counters, 'unauthorized');
          d.gate.refused(o.status ?? 0, o.detail);
          return { kind: 'pause', wake: d.gate.wake };
        case 'refused':
          d.gate.answered();
          return { kind: 'done', value: { kind: 'refused', items: remaining, reason: o.reason, ...(o.status !== undefined ? { status: o.status } : {}) } };
        case 'batch_unsupported':
          d.gate.answered();
          return { kind: 'done', value: { kind: 'batch_unsupported', items: remaining, status: o.status } };
        case 'aborted':
          return { kind: 'stop' };
      }
    };
    const r = await d.policy.run(attempt, async (f: SinkRetry, delayMs, n) => {
      countRetry(d.counters, f.reason);
      d.emit({ type: 'retry', reason: f.reason, detail: f.detail, delayMs, count: remaining.length, attempt: n, ...(f.status !== undefined ? { status: f.status } : {}) });
      await d.note(
        remaining.map((i) => i.click.click_id),
        f.detail,
      );
    });
    return r?.value ?? null;
  };
}

function answerOf(items: readonly Item[], o: Extract<SinkOutcome, { kind: 'answered' }>): Answer {
  const rejected = o.rejected ?? [];
  const open = new Set<number>(o.unanswered);
  for (const r of rejected) open.add(r.at);
  const acked: number[] = [];
  for (let i = 0; i < items.length; i++) if (!open.has(i)) acked.push(items[i]!.seq);
  return {
    acked,
    duplicates: o.duplicates,
    rejected: rejected.map((r) => ({ click_id: items[r.at]!.click.click_id, reason: r.reason })),
    status: rejected[0]?.status,
  };
}
