/**
 * One factory per stage: the only place configuration keys become a stage's options.
 * `serve` (service.ts) and every CLI command build their stages here, so a key means the
 * same thing whichever of them runs. Each factory is a few lines on purpose: when a stage's
 * options change, this file is the one place to adapt.
 */
import type { Settings } from '../config/settings.js';
import { openClickSink } from '../main-system/click-sink.js';
import { readApiKey } from '../main-system/http/api-key.js';
import { mainSystemLinkLookup } from '../main-system/link-lookup.js';
import { mainSystemLinkSource } from '../main-system/link-source.js';
import type { LinkSourcePort } from '../main-system/ports.js';
import { linksFileSource, Mirror, runSync, type MirrorHooks, type SyncResult } from '../mirror/index.js';
import type { SyncDeps } from '../mirror/sync.js';
import { openOutboxReadOnly, Outbox, type OutboxReadOnly } from '../outbox/index.js';
import type { OutboxOptions } from '../outbox/outbox.js';
import { policyFromConfig, type PrivacyPolicy } from '../privacy/index.js';
import type { PolicyServices } from '../privacy/policy.js';
import { createRateLimiter, type Clock, type RateLimiter } from '../lib/rate-limit.js';
import { createShipper, type Shipper, type ShipperEvent } from '../shipper/index.js';
import { createMissAdmission } from './miss-admission.js';

/** The writing outbox. `durability` is overridden only by maintenance commands that must not lose a change (dead-letters). */
export function openOutboxFor(s: Settings, extra: Pick<Partial<OutboxOptions>, 'acceptNewOutbox' | 'startWhenFull' | 'durability'> = {}): Promise<Outbox> {
  return Outbox.open({ dataDir: s.storage.data_dir, durability: s.durability, commitIntervalMs: s.outbox.commit_interval_ms, ...extra });
}

/** The outbox read-only (status, export, audit, dead-letters list): never the writer, safe beside a running serve. */
export function openOutboxReaderFor(s: Settings): OutboxReadOnly {
  return openOutboxReadOnly(s.storage.data_dir);
}

/** The shipper towards the configured adapter; null standalone (nowhere to ship). `lingerMs` 0: `ship --once` sends partial batches at once. */
export function createShipperFor(s: Settings, outbox: Outbox, onEvent: (e: ShipperEvent) => void, extra: { lingerMs?: number } = {}): Shipper | null {
  if (s.adapter === null) return null;
  return createShipper({
    outbox,
    sink: openClickSink(s.main_system, { concurrency: s.shipper.concurrency })!,
    mode: s.shipper.mode,
    batchSize: s.shipper.batch_size,
    lingerMs: extra.lingerMs ?? s.shipper.linger_ms,
    concurrency: s.shipper.concurrency,
    maxBackoffMs: s.shipper.max_backoff_ms,
    onEvent,
  });
}

/** The serving mirror, with the miss-lookup caps (sync.miss_*) in front of the main system. */
export function openMirrorFor(s: Settings, hooks: MirrorHooks, clock?: Clock): Promise<Mirror> {
  // Read once, here: a missing key stops `serve` at start; the sync and the miss lookup share it.
  const apiKey = s.adapter === 'http' ? readApiKey(s.main_system) : undefined;
  return Mirror.open({
    config: s,
    source: linkSourceFor(s, apiKey),
    lookup: mainSystemLinkLookup(s.main_system, s.sync.miss_timeout_ms, { apiKey }),
    hooks,
    missAdmission: createMissAdmission(s.sync, clock),
  });
}

/** One sync outside `serve` (`clickrelay sync`). */
export function syncOnceFor(s: Settings, opts: Pick<SyncDeps, 'force' | 'onProgress'> = {}): Promise<SyncResult> {
  return runSync({ config: s, source: linkSourceFor(s), ...opts });
}

/** Where a sync reads links: the main system's adapter, or standalone the local links file. */
function linkSourceFor(s: Settings, apiKey?: ReturnType<typeof readApiKey>): LinkSourcePort | null {
  return mainSystemLinkSource(s.main_system, s.sync.page_size, { apiKey }) ?? linksFileSource(s.sync.file);
}

/** The privacy policy; `services` carries what the service loads once (the country database). The audit checks rows against the same one. */
export function policyFor(s: Settings, services: PolicyServices = {}): PrivacyPolicy {
  return policyFromConfig(s.privacy, s.main_system.base_url, services);
}

/** The public listener's per-client rate limit; null when server.rate_limit_per_second is 0 (off). */
export function rateLimiterFor(s: Settings, clock?: Clock): RateLimiter | null {
  return s.server.rate_limit_per_second > 0 ? createRateLimiter(s.server.rate_limit_per_second, s.server.rate_limit_burst, undefined, clock) : null;
}
