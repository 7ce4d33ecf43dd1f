/**
 * Layer 2, retry: runs one attempt (a send plus its reading) until it yields a result the
 * caller must act on. Retryable failures wait a capped, fully jittered exponential backoff, or
 * what the server's Retry-After asked for (capped); they never give up on a count, since the
 * clicks stay safely pending and a later answer is always better than a lost click. A refused
 * key pauses instead (see gate.ts). Every retry is noted on the clicks concerned.
 */
import { retryDelay } from './backoff.js';
import type { Verdict } from './classify.js';
import type { ShipContext } from './context.js';
import { sleep } from './sleep.js';

/** What one attempt yields: a final value for the caller, or a verdict this layer handles. */
export type Step<T> = { kind: 'done'; value: T } | Extract<Verdict, { kind: 'retry' | 'unauthorized' | 'aborted' }>;

export interface RetryHooks {
  /** Clicks the attempt is for, at the time of the failure (for events). */
  count(): number;
  /** Records the failure on those clicks (outbox.noteAttempt). */
  note(error: string): Promise<void>;
}

/** The attempt's final value, or null if shipping is stopping (nothing more is tried or marked). */
export async function withRetry<T>(ctx: ShipContext, attempt: () => Promise<Step<T>>, hooks: RetryHooks): Promise<{ value: T } | null> {
  for (let n = 0; ; ) {
    if (ctx.stopping.aborted) return null;
    const step = await attempt();
    switch (step.kind) {
      case 'done':
        ctx.gate.answered();
        return { value: step.value };
      case 'aborted':
        return null;
      case 'unauthorized':
        bump(ctx, 'unauthorized');
        ctx.gate.refused(step.status, step.detail);
        n = 0;
        // Probe slowly: the key will not fix itself quickly, and hammering with a bad key
        // can get an address blocked. A new key (setApiKey) wakes this at once.
        await sleep(ctx.capMs, ctx.stopping, ctx.gate.wake);
        continue;
      case 'retry': {
        const delayMs = retryDelay({ attempt: n, retryAfterMs: step.retryAfterMs, baseMs: ctx.baseMs, capMs: ctx.capMs, random: ctx.random });
        n++;
        bump(ctx, step.reason);
        ctx.emit({ type: 'retry', reason: step.reason, detail: step.detail, delayMs, count: hooks.count(), attempt: n, ...(step.status !== undefined ? { status: step.status } : {}) });
        await hooks.note(step.detail);
        await sleep(delayMs, ctx.stopping);
        continue;
      }
    }
  }
}

function bump(ctx: ShipContext, reason: string): void {
  ctx.counters.retriesByReason[reason] = (ctx.counters.retriesByReason[reason] ?? 0) + 1;
}
