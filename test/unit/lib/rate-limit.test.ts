import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src/lib/rate-limit.js';

describe('rate limiter', () => {
  it('allows a burst, then asks the client to wait, then refills at the rate', () => {
    const rl = createRateLimiter(10, 5);
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) expect(rl.take('a', t)).toBe(0);
    expect(rl.take('a', t)).toBe(1);
    expect(rl.take('a', t + 100)).toBe(0); // one token back after 1/10 s
    expect(rl.take('a', t + 100)).toBeGreaterThan(0);
  });

  it('keeps clients apart', () => {
    const rl = createRateLimiter(1, 1);
    expect(rl.take('a', 0)).toBe(0);
    expect(rl.take('a', 0)).toBe(1);
    expect(rl.take('b', 0)).toBe(0);
  });

  it('a slow limit asks for a longer wait', () => {
    const rl = createRateLimiter(0.1, 1);
    expect(rl.take('a', 0)).toBe(0);
    expect(rl.take('a', 0)).toBe(10);
  });

  it('forgets idle clients, so memory follows active clients only', () => {
    const rl = createRateLimiter(10, 10);
    for (let i = 0; i < 1000; i++) rl.take(`k${i}`, 0);
    expect(rl.size()).toBe(1000);
    rl.take('late', 5_000);
    expect(rl.size()).toBe(1);
  });

  it('refuses new keys instead of growing past its bound', () => {
    const rl = createRateLimiter(1, 10, 100);
    for (let i = 0; i < 100; i++) expect(rl.take(`k${i}`, 0)).toBe(0);
    expect(rl.take('one-too-many', 0)).toBe(1);
  });

  it('refills by the clock it is given when take() is not told the time', () => {
    let now = 5_000;
    const rl = createRateLimiter(2, 1, 100, () => now);
    expect(rl.take('a')).toBe(0);
    expect(rl.take('a')).toBe(1);
    now += 500; // one token back at 2/s
    expect(rl.take('a')).toBe(0);
  });
});
