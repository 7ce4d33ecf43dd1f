import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../src/main-system/http/click-answers.js';
import { backoffDelay, retryDelay } from '../../../src/shipper/backoff.js';

const NOW = Date.parse('2025-07-27T21:30:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1', NOW)).toBe(1_000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
  });

  it('reads an IMF-fixdate as the time left until then', () => {
    expect(parseRetryAfter('Sun, 27 Jul 2025 21:30:30 GMT', NOW)).toBe(30_000);
  });

  it('reads the obsolete RFC 850 and asctime forms, asctime as GMT', () => {
    expect(parseRetryAfter('Sunday, 27-Jul-25 21:31:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sun Jul 27 21:30:05 2025', NOW)).toBe(5_000);
  });

  it('takes a date in the past as "now"', () => {
    expect(parseRetryAfter('Sun, 27 Jul 2025 21:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const v of [undefined, null, '', '  ', '-5', '1.5', '10s', 'soon', 'tomorrow at noon', '2025-07-27T21:31:00Z', 'Sun, 99 Foo 2025 25:00:00 GMT']) {
      expect(parseRetryAfter(v, NOW)).toBeNull();
    }
  });

  it('uses the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3_000);
  });

  it('never answers a negative or non-finite wait', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseRetryAfter(s, NOW);
        return v === null || (Number.isFinite(v) && v >= 0);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(cap, base·2^attempt))', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 3_600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, base, cap, r) => {
        const d = backoffDelay(attempt, base, cap, () => r);
        return Number.isInteger(d) && d >= 0 && d < Math.max(1, Math.min(cap, base * 2 ** attempt));
      }),
      { numRuns: 2_000 },
    );
  });

  it('grows exponentially until the cap', () => {
    const top = () => 0.9999999;
    expect([0, 1, 2, 3, 4, 10, 50].map((n) => backoffDelay(n, 100, 1_000, top))).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('can be zero: the whole range is used, which is what spreads senders apart', () => {
    expect(backoffDelay(5, 100, 60_000, () => 0)).toBe(0);
  });

  it('survives a random source outside [0, 1)', () => {
    expect(backoffDelay(3, 100, 1_000, () => 1)).toBeLessThan(800);
    expect(backoffDelay(3, 100, 1_000, () => -1)).toBe(0);
    expect(backoffDelay(3, 100, 1_000, () => NaN)).toBe(0);
  });
});

describe('retryDelay', () => {
  const base = { attempt: 3, baseMs: 100, capMs: 60_000, random: () => 0.5 };

  it('obeys Retry-After over the backoff', () => {
    expect(retryDelay({ ...base, retryAfterMs: 2_000 })).toBe(2_000);
  });

  it('caps Retry-After at max_backoff_ms', () => {
    expect(retryDelay({ ...base, retryAfterMs: 3_600_000 })).toBe(60_000);
  });

  it('turns "Retry-After: 0" into a small jittered wait, not a hot loop', () => {
    expect(retryDelay({ ...base, retryAfterMs: 0 })).toBe(50);
  });

  it('falls back to the backoff without Retry-After', () => {
    expect(retryDelay({ ...base, retryAfterMs: null })).toBe(400);
  });
});
