/**
 * One factory per stage: the only place configuration keys become a stage's options.
 * `serve` (service.ts) and every CLI command build their stages here, so a key means the
 * same thing whichever of them runs. Each factory is a few lines on purpose: when a stage's
 * options change, this file is the one place to adapt. The stages every serving thread opens
 * (its outbox shard, the privacy policy, the rate limit) are in serving-stages.ts, re-exported
 * here: a serving thread imports that file alone, not the click sinks, link sources and sync
 * this one reaches.
 */
import { CLICK_SINKS, LINK_SOURCES } from '../adapters/registry.js';
import type { Settings } from '../config/settings.js';
import { Mirror, runSync, type MirrorHooks, type SyncResult } from '../mirror/index.js';
import type { SyncDeps } from '../mirror/sync.js';
import { eraseFromShard, listShards, openBesideWriter, openShardReaders, outboxFiles, shardFiles, type ShardErasure, type ShardReaders } from '../outbox/index.js';
import type { Clock } from '../lib/rate-limit.js';
import { createShipper, type OutboxPort, type Shipper, type ShipperEvent } from '../shipper/index.js';
import { createMissAdmission } from './miss-admission.js';

export { openOutboxShards as openOutboxShardsFor } from './outbox-shards.js';
export { openOutboxFor, policyFor, rateLimiterFor } from './serving-stages.js';

/** `dead-letters requeue|purge` beside a running serve: one handle per outbox file (shards too), able to requeue and purge only. */
export function openOutboxesBesideFor(s: Settings): ReturnType<typeof openBesideWriter>[] {
  return outboxFiles(s.storage.data_dir).map(openBesideWriter);
}

/** Every outbox shard read-only (status, export, audit, dead-letters list): never a writer, safe beside a running serve. */
export function openOutboxReaderFor(s: Settings): ShardReaders {
  return openShardReaders(s.storage.data_dir);
}

/**
 * `clickrelay erase`: the named clicks erased from every outbox file of the data folder (each
 * shard's file in turn; an id is looked for in the files it was not found in yet).
 */
export function eraseClicksFor(s: Settings, ids: readonly string[], note: string | null, at: Date = new Date()): ShardErasure {
  const total: ShardErasure = { erased: { shipped: 0, pending: 0, dead: 0 }, found: [] };
  let left = [...new Set(ids)];
  // Every shard's database (outbox.db, outbox-<k>.db), as listShards names them.
  for (const file of listShards(s.storage.data_dir).map((k) => shardFiles(s.storage.data_dir, k).db)) {
    const r = eraseFromShard(file, left, note, at);
    for (const k of ['shipped', 'pending', 'dead'] as const) total.erased[k] += r.erased[k];
    total.found.push(...r.found);
    const found = new Set(r.found);
    left = left.filter((id) => !found.has(id));
  }
  return total;
}

/** The shipper towards the configured click sink; null when there is none (standalone). `lingerMs` 0: `ship --once` sends partial batches at once. */
export function createShipperFor(s: Settings, outbox: OutboxPort, onEvent: (e: ShipperEvent) => void, extra: { lingerMs?: number } = {}): Shipper | null {
  const sink = CLICK_SINKS[s.clickSink].open(s, { concurrency: s.shipper.concurrency });
  if (sink === null) return null;
  return createShipper({
    outbox,
    sink,
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
  const links = LINK_SOURCES[s.linkSource];
  // Read once, here: a missing credential stops `serve` at start; the sync and the miss lookup share it.
  const credentials = links.credentials(s);
  return Mirror.open({
    config: s,
    source: links.source(s, credentials),
    lookup: links.lookup(s, credentials),
    hooks,
    missAdmission: createMissAdmission(s.sync, clock),
  });
}

/** One sync outside `serve` (`clickrelay sync`): the credential is read by the sync itself, so a missing one is a recorded failure. */
export function syncOnceFor(s: Settings, opts: Pick<SyncDeps, 'force' | 'onProgress'> = {}): Promise<SyncResult> {
  return runSync({ config: s, source: LINK_SOURCES[s.linkSource].source(s), ...opts });
}
