/**
 * The caps in front of miss lookups (sync.miss_*): a token bucket per client prefix and
 * one for all clients together, both the redirect's own token bucket (rate-limit.ts).
 * Per client first: a client over its own share must not drain the common bucket that
 * everyone else's new links depend on. The public rate limit may be off; these are not.
 */
import type { MissAdmission } from '../mirror/index.js';
import { createRateLimiter, type Clock } from '../lib/rate-limit.js';

export interface MissCaps {
  miss_rate_per_second: number;
  miss_burst: number;
  miss_client_rate_per_second: number;
  miss_client_burst: number;
}

export function createMissAdmission(caps: MissCaps, clock?: Clock): MissAdmission {
  const perClient = createRateLimiter(caps.miss_client_rate_per_second, caps.miss_client_burst, undefined, clock);
  const global = createRateLimiter(caps.miss_rate_per_second, caps.miss_burst, 1, clock);
  return {
    take(clientKey) {
      const own = perClient.take(clientKey);
      if (own > 0) return { shed: 'shed_client_rate', retryAfterSeconds: own };
      const all = global.take('');
      if (all > 0) return { shed: 'shed_global_rate', retryAfterSeconds: all };
      return null;
    },
  };
}
