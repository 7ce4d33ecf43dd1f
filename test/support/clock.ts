/**
 * The wall clock, plus whatever time a test has skipped ahead: token buckets refill by it
 * (ServiceOptions.clock), so a test refills one at once instead of waiting real seconds.
 * It keeps running with real time, so everything else stays as in production.
 */
export interface SkippingClock {
  now: () => number;
  /** Skip `ms` ahead, as if that much time had passed. */
  advance(ms: number): void;
}

export function skippingClock(): SkippingClock {
  let skipped = 0;
  return {
    now: () => Date.now() + skipped,
    advance(ms) {
      skipped += ms;
    },
  };
}
