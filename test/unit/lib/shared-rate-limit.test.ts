import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { resolveSettings } from '../../../src/config/settings.js';
import { answerKeyQuestion, keyAnswerBuffer, SharedSessionKeys } from '../../../src/keys/index.js';
import { createSharedRateLimiter, sharedBuckets } from '../../../src/lib/shared-rate-limit.js';

describe('token buckets in shared memory (server.threads > 1)', () => {
  // Across real threads: test/e2e/threads.test.ts (a global limit admits one bucket's worth).
  it('two limiters on the same memory admit one bucket, not two', () => {
    const mem = sharedBuckets();
    const now = 1_000_000;
    const a = createSharedRateLimiter(mem, 1, 10, () => now);
    const b = createSharedRateLimiter(mem, 1, 10, () => now);
    let admitted = 0;
    for (let i = 0; i < 20; i++) if ((i % 2 ? a : b).take('10.0.0.0') === 0) admitted++;
    expect(admitted).toBe(10);
    expect(a.take('10.0.1.0')).toBe(0); // another client has its own bucket
    expect(b.size()).toBe(2);
  });

  it('refills with time and forgets a bucket that is full again', () => {
    const mem = sharedBuckets();
    let now = 0;
    const l = createSharedRateLimiter(mem, 2, 2, () => now);
    expect([l.take('k'), l.take('k')]).toEqual([0, 0]);
    expect(l.take('k')).toBe(1);
    now += 500; // elapsed time is what this limiter counts: one token at 2/s
    expect(l.take('k')).toBe(0);
    now += 10_000;
    expect(l.size()).toBe(0);
  });
});

describe('server.threads', () => {
  it('is "auto" (the cores available) by default, or a whole number from the file or the environment', () => {
    expect(resolveSettings(loadConfig({ env: {} })).threads).toBe(availableParallelism());
    expect(resolveSettings(loadConfig({ env: { CLICKRELAY_SERVER_THREADS: '3' } })).threads).toBe(3);
    expect(() => loadConfig({ env: { CLICKRELAY_SERVER_THREADS: '0' } })).toThrow(/server\.threads .* "auto" or a whole number/);
    expect(() => loadConfig({ env: { CLICKRELAY_SERVER_THREADS: 'many' } })).toThrow(/server\.threads/);
  });
});

describe("the day's session key for another serving thread", () => {
  it("is the main thread's key, asked once per day", () => {
    const buffer = keyAnswerBuffer();
    const store = { keyFor: (day: string) => Buffer.alloc(32, day === '2026-12-07' ? 7 : 8) };
    let asked = 0;
    // The main thread answers at once here (same thread): the asking side finds the answer without waiting.
    const keys = new SharedSessionKeys(buffer, (q) => {
      asked++;
      answerKeyQuestion(store, buffer, q);
    });
    expect(keys.keyFor('2026-12-07')).toEqual(Buffer.alloc(32, 7));
    expect(keys.keyFor('2026-12-07')).toEqual(Buffer.alloc(32, 7));
    expect(keys.keyFor('2026-12-08')).toEqual(Buffer.alloc(32, 8));
    expect(asked).toBe(2);
  });
});
