/**
 * Token bucket per client prefix (the truncated address, so one /24 or /48 shares a
 * bucket: a client cannot dodge the limit by hopping addresses inside its own network,
 * and we never key state on a full address). Buckets refill continuously; a bucket
 * that has refilled to full carries no information and is swept, which bounds memory
 * to the clients active in the last burst/rate seconds.
 */

export interface RateLimiter {
  /** 0 when the request may proceed (a token is taken), else whole seconds to wait. */
  take(key: string, nowMs?: number): number;
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Milliseconds on the wall clock; a test passes its own to refill a bucket without waiting. */
export type Clock = () => number;

export function createRateLimiter(perSecond: number, burst: number, maxBuckets = 100_000, clock: Clock = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = (burst / perSecond) * 1000;
  let lastSweep = 0;

  const sweep = (now: number) => {
    lastSweep = now;
    for (const [key, b] of buckets) if (now - b.at >= fullAfterMs) buckets.delete(key);
  };

  return {
    take(key, now = clock()) {
      if (now - lastSweep >= Math.max(fullAfterMs, 1000) || buckets.size >= maxBuckets) sweep(now);
      let b = buckets.get(key);
      if (!b) {
        // Under a flood of distinct prefixes that the sweep cannot free, refuse new keys
        // rather than grow without bound.
        if (buckets.size >= maxBuckets) return 1;
        b = { tokens: burst, at: now };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
        b.at = now;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
    },
    size: () => buckets.size,
  };
}
