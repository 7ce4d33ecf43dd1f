import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../../src/privacy/timestamp.js';

describe('isoTimestamp', () => {
  it('is exactly Date#toISOString, whatever order the times come in', () => {
    const nearby = fc.integer({ min: 1_714_566_000_000, max: 1_714_566_003_000 });
    const anyTime = fc.integer({ min: -8.64e15, max: 8.64e15 });
    fc.assert(
      fc.property(fc.array(fc.oneof(nearby, anyTime), { minLength: 1, maxLength: 50 }), (times) => {
        for (const t of times) expect(isoTimestamp(new Date(t))).toBe(new Date(t).toISOString());
      }),
    );
  });

  it('throws like toISOString for an invalid date', () => {
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});
