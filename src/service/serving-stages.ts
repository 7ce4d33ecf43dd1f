/**
 * The stages every serving thread opens for itself: its outbox shard, the privacy policy and
 * the rate limit (stages.ts re-exports them, so a key still means the same for every caller).
 * Apart from stages.ts because a serving thread k ≥ 1 (serving-worker.ts) imports this file
 * alone: stages.ts reaches the click sinks, link sources, sync and shipper, megabytes of
 * modules (pg, undici, NATS, SQLite) each thread would otherwise load and keep for nothing.
 */
import type { Settings } from '../config/settings.js';
import { createRateLimiter, type Clock, type RateLimiter } from '../lib/rate-limit.js';
import { Outbox, type OutboxOptions } from '../outbox/outbox.js';
import { policyFromConfig, type PrivacyPolicy } from '../privacy/index.js';
import type { PolicyServices } from '../privacy/policy.js';

/** The writing outbox. `durability` is overridden only by maintenance commands that must not lose a change (dead-letters). */
export function openOutboxFor(s: Settings, extra: Pick<Partial<OutboxOptions>, 'acceptNewOutbox' | 'startWhenFull' | 'durability' | 'shard'> = {}): Promise<Outbox> {
  return Outbox.open({ dataDir: s.storage.data_dir, durability: s.durability, commitIntervalMs: s.outbox.commit_interval_ms, ...extra });
}

/** The privacy policy; `services` carries what the service loads once (the country database). The audit checks rows against the same one. */
export function policyFor(s: Settings, services: PolicyServices = {}): PrivacyPolicy {
  return policyFromConfig(s.privacy, s.main_system.base_url, services);
}

/** The public listener's per-client rate limit; null when server.rate_limit_per_second is 0 (off). */
export function rateLimiterFor(s: Settings, clock?: Clock): RateLimiter | null {
  return s.server.rate_limit_per_second > 0 ? createRateLimiter(s.server.rate_limit_per_second, s.server.rate_limit_burst, undefined, clock) : null;
}
