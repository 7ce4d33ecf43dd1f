import { describe, expect, it } from 'vitest';
import { createRetryPolicy } from '../../../src/shipper/retry-policy.js';

const policy = (stopping: AbortSignal, capMs = 20) => createRetryPolicy({ baseMs: 1, capMs, random: () => 0.5, stopping });

describe('the one retry policy', () => {
  it('tries again with growing, capped waits until it works, telling each failure', async () => {
    const seen: [string, number, number][] = [];
    let n = 0;
    const r = await policy(new AbortController().signal, 4).run(
      async () => (++n < 5 ? { kind: 'again' as const, failure: `f${n}` } : { kind: 'done' as const, value: n }),
      (f: string, delayMs, attempt) => void seen.push([f, delayMs, attempt]),
    );
    expect(r).toEqual({ value: 5 });
    // uniform [0, min(cap, base·2^n)) at random 0.5: 0, 1, 2, 2
    expect(seen).toEqual([['f1', 0, 1], ['f2', 1, 2], ['f3', 2, 3], ['f4', 2, 4]]);
  });

  it('honours a Retry-After up to the cap', async () => {
    const delays: number[] = [];
    let n = 0;
    await policy(new AbortController().signal, 30).run(
      async () => (n++ === 0 ? { kind: 'again' as const, failure: null, retryAfterMs: 10_000 } : { kind: 'done' as const, value: null }),
      (_f, d) => void delays.push(d),
    );
    expect(delays).toEqual([30]);
  });

  it('gives up when stopping cuts a wait short, and starts nothing once stopped', async () => {
    const stop = new AbortController();
    let tries = 0;
    const p = policy(stop.signal, 60_000).run(
      async () => {
        tries++;
        return { kind: 'again' as const, failure: null, retryAfterMs: 60_000 };
      },
      // Told just before it waits: the stop comes once that wait has begun.
      () => void setImmediate(() => stop.abort()),
    );
    expect(await p).toBeNull();
    expect(tries).toBe(1);
    expect(await policy(stop.signal).run(async () => ({ kind: 'done' as const, value: 1 }), () => undefined)).toBeNull();
  });

  it('makes an outbox write once even after stopping began (an answer that came in within the grace), but never retries it then', async () => {
    const stop = new AbortController();
    stop.abort();
    const errors: unknown[] = [];
    expect(await policy(stop.signal).persist(async () => 'written', (e) => errors.push(e))).toEqual({ value: 'written' });
    let tries = 0;
    const failing = async () => {
      tries++;
      throw new Error('disk I/O error');
    };
    expect(await policy(stop.signal).persist(failing, (e) => errors.push(e))).toBeNull();
    expect(tries).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('pauses a whole cap, cut short by the wake signal', async () => {
    const wake = new AbortController();
    let n = 0;
    const t0 = Date.now();
    const p = policy(new AbortController().signal, 60_000).run(
      async () => {
        if (n++ > 0) return { kind: 'done' as const, value: n };
        setImmediate(() => wake.abort()); // once the pause has begun
        return { kind: 'pause' as const, wake: wake.signal };
      },
      () => undefined,
    );
    expect(await p).toEqual({ value: 2 });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
