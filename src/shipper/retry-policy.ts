/**
 * The shipper's one retry policy, used for deliveries to the sink, outbox reads and outbox
 * writes alike: try again after a capped, fully jittered exponential backoff (or what the
 * main system's Retry-After asked for, capped), forever, until it works or shipping stops.
 * Never giving up on a count is deliberate: the clicks stay safely pending, and a later
 * answer is always better than a lost click. A refused credential pauses instead: a slow
 * probe every cap, cut short by a wake signal (a new key).
 */
import { retryDelay } from './backoff.js';
import { sleep } from './sleep.js';

/** What one attempt yields. */
export type Try<T, F> =
  | { kind: 'done'; value: T }
  /** Failed, worth trying again; `retryAfterMs`: what the other side asked for. */
  | { kind: 'again'; failure: F; retryAfterMs?: number | null }
  /** Wait a whole cap (or until `wake`), then try again from the first backoff step. */
  | { kind: 'pause'; wake: AbortSignal }
  /** Stopped by us: give up now. */
  | { kind: 'stop' };

export interface RetryPolicy {
  /**
   * Runs `attempt` until it is done. `onRetry` hears of each failure before the wait (for
   * events and notes). null: shipping stopped first; nothing more is tried. `once`: the
   * first attempt is made even when stopping has begun (an outbox write of an answer that
   * arrived within the grace).
   */
  run<T, F>(attempt: () => Promise<Try<T, F>>, onRetry: (failure: F, delayMs: number, attempt: number) => unknown, once?: boolean): Promise<{ value: T } | null>;
  /** `run` for an operation that either resolves or throws (the outbox's calls); tried once even while stopping. */
  persist<T>(op: () => Promise<T>, onError: (err: unknown) => void): Promise<{ value: T } | null>;
}

export function createRetryPolicy(o: {
  baseMs: number;
  capMs: number;
  random: () => number;
  stopping: AbortSignal;
  /** Cuts the backoff waiting now short (a drain: the operator asked to ship now); read at each wait. A Retry-After wait is kept. */
  hurry?: () => AbortSignal;
}): RetryPolicy {
  const policy: RetryPolicy = {
    async run(attempt, onRetry, once = false) {
      for (let n = 0; ; ) {
        if (o.stopping.aborted && !(once && n === 0)) return null;
        const t = await attempt();
        switch (t.kind) {
          case 'done':
            return { value: t.value };
          case 'stop':
            return null;
          case 'pause':
            n = 0;
            once = false;
            // Probe slowly: a credential does not fix itself quickly, and hammering with a bad
            // key can get an address blocked.
            await sleep(o.capMs, o.stopping, t.wake);
            continue;
          case 'again': {
            const delayMs = retryDelay({ attempt: n, retryAfterMs: t.retryAfterMs ?? null, baseMs: o.baseMs, capMs: o.capMs, random: o.random });
            n++;
            await onRetry(t.failure, delayMs, n);
            // A drain cuts our own backoff short, never a wait the other side asked for
            // (Retry-After on a 429 or 503): "ship now" must not hammer a main system that said when.
            await sleep(delayMs, o.stopping, t.retryAfterMs == null ? o.hurry?.() : undefined);
            continue;
          }
        }
      }
    },
    persist(op, onError) {
      return policy.run(
        async () => {
          try {
            return { kind: 'done', value: await op() };
          } catch (err) {
            return { kind: 'again', failure: err };
          }
        },
        onError,
        true,
      );
    },
  };
  return policy;
}
