/**
 * Figures for the admin status page: counters in memory, the writer thread's running counts
 * (outbox.stats() answers from counters, no scan), two small files. Nothing here reads the
 * outbox's rows, so a page view costs the redirect thread next to nothing. The outbox
 * figures are sums over every shard, each listed too; the chain line is shard 0's unless a
 * shard's head is unreadable or ahead of its database, then that shard's.
 */
import { CLICK_SINKS } from '../adapters/registry.js';
import type { Settings } from '../config/settings.js';
import type { WeakenedSetting } from '../notice/weakened.js';
import type { Mirror } from '../mirror/index.js';
import { readSyncRecord } from '../mirror/index.js';
import type { ClickRate } from '../observe/click-rate.js';
import type { StatusData } from '../http/admin/status-page.js';
import { shardFiles, type OutboxShardSet } from '../outbox/index.js';
import { readHead } from '../outbox/head.js';
import { basename } from 'node:path';
import { describeBuild, type UwsBuild } from '../http/uws.js';
import type { ShippingState } from '../shipper/index.js';
import { countryDbLines, type CountryDbStatus } from '../country/country-status.js';

export interface StatusSources {
  version: string;
  build: UwsBuild;
  outbox: Pick<OutboxShardSet, 'stats'>;
  mirror: Mirror;
  rate: ClickRate;
  shippingState: ShippingState;
  weakened: WeakenedSetting[];
  /** privacy.country on: the database in use. */
  country?: { status(): CountryDbStatus } | null;
}

/** How long the sink's probe (a connection of its own: the stream and its duplicate window) is reused by the page. */
const SINK_PROBE_MS = 60_000;

export function statusDataSource(s: Settings, d: StatusSources): () => Promise<StatusData> {
  const dataDir = s.storage.data_dir;
  const entry = CLICK_SINKS[s.clickSink];
  // A page view never waits for the probe after the first: the last answer is shown while a new one is asked.
  let sinkLines: string[] = [];
  let probedAt = -Infinity;
  let probing: Promise<void> | null = null;
  const probeSink = (): Promise<void> =>
    (probing ??= entry
      .probe(s)
      .then((p) => void (sinkLines = entry.describe.reach(p).map((l) => l.trim())))
      .catch(() => undefined)
      .finally(() => {
        probedAt = Date.now();
        probing = null;
      }));
  return async () => {
    if (Date.now() - probedAt > SINK_PROBE_MS) {
      const p = probeSink();
      if (probedAt === -Infinity) await p;
    }
    const o = await d.outbox.stats();
    const counts = d.mirror.holder.current.counts();
    const sync = readSyncRecord(dataDir);
    const chains = o.shards.map((sh) => {
      let head: { seq: number } | null = null;
      let headError: string | null = null;
      try {
        head = readHead(dataDir, sh.shard);
      } catch (err) {
        headError = (err as Error).message;
      }
      return { tip_seq: sh.last_seq, head_seq: head?.seq ?? null, head_error: headError, head_file: basename(shardFiles(dataDir, sh.shard).head) };
    });
    const chain = chains.find((c) => c.head_error !== null || (c.head_seq !== null && c.head_seq > c.tip_seq)) ?? chains[0]!;
    return {
      version: d.version,
      now: new Date().toISOString(),
      started_at: new Date(d.rate.startedAt).toISOString(),
      pid: process.pid,
      uws_build: describeBuild(d.build),
      standalone: s.standalone,
      main_system: entry.describe.target(s),
      sink: sinkLines,
      country: d.country ? countryDbLines(d.country.status()) : null,
      mirror: {
        links: counts.active + counts.inactive,
        active: counts.active,
        inactive: counts.inactive,
        last_sync: sync.last_success_at,
        last_error: sync.last_error && (!sync.last_success_at || sync.last_error.at > sync.last_success_at) ? sync.last_error : null,
        ready: d.mirror.loaded,
      },
      outbox: {
        pending: o.pending,
        oldest_pending: o.oldest_pending,
        shipped: o.shipped,
        dead_letter: o.dead_letter,
        last_seq: o.last_seq,
        durability: s.durability,
        retention_days: s.privacy.retention_days,
        shards: o.shards.map((sh, i) => ({ file: basename(shardFiles(dataDir, sh.shard).db), pending: sh.pending, shipped: sh.shipped, dead_letter: sh.dead_letter, last_seq: sh.last_seq, head_seq: chains[i]!.head_seq })),
      },
      shipping: d.shippingState.snapshot(),
      rate: d.rate.read(),
      policy: Object.fromEntries(Object.entries(s.privacy).map(([k, v]) => [`privacy.${k}`, v])) as Record<string, string | number | boolean>,
      weakened: d.weakened,
      chain,
    };
  };
}
