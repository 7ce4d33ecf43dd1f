/**
 * Every outbox shard present in the data folder, read-only, as one: what status, export,
 * analytics and the dead-letter list read. A shard left by an earlier, larger
 * `server.threads` counts like any other. Counts are summed; rows of several shards are merged
 * in time order (clicked_at, then click_id), one row per shard in memory; sessions are counted
 * distinct over all shards (the same visitor may have been answered by several threads).
 * With one shard (threads = 1) every call is that shard's own, unchanged.
 */
import { mergeSorted } from '../lib/merge-sorted.js';
import { openOutboxReadOnly, type OutboxReadOnly, type OutboxSummary, type RowRange, type StoredRow, type TrackingStats } from './read-only.js';
import { listShards } from './shard-files.js';

/** One shard's figures in the status (`status --json` outbox.shards). */
export interface ShardSummary extends OutboxSummary {
  shard: number;
  file: string;
}

export interface ShardReaders {
  readonly dataDir: string;
  /** One reader per shard present, k ascending; shard 0 (perhaps not existing yet) when there is none. */
  readonly shards: readonly OutboxReadOnly[];
  /** Any shard's database exists. */
  readonly exists: boolean;
  /** Sums over the shards (oldest pending: the oldest of all; last shipped: the newest). */
  summary(): OutboxSummary;
  /** Each shard's own summary. */
  shardSummaries(): ShardSummary[];
  /** Rows of every shard: one shard in seq order, several merged by clicked_at, then click_id. */
  rows(range?: RowRange): Iterable<StoredRow>;
  countRows(range?: RowRange): number;
  trackingStats(trackingId: string, since: readonly string[]): TrackingStats;
  /** The failed attempt of a pending click most tried, over every shard. */
  pendingError(): { attempts: number; last_error: string } | null;
  /** The newest schema version of any shard (null: no outbox yet). */
  schemaVersion(): number | null;
  close(): void;
}

export function openShardReaders(dataDir: string): ShardReaders {
  const present = listShards(dataDir);
  const shards = (present.length > 0 ? present : [0]).map((k) => openOutboxReadOnly(dataDir, k));
  const only = shards.length === 1 ? shards[0]! : null;
  const shardSummaries = (): ShardSummary[] => shards.map((r) => ({ shard: r.shard, file: r.file, ...r.summary() }));
  return {
    dataDir,
    shards,
    exists: shards.some((r) => r.exists),
    summary: () => (only ? only.summary() : sumSummaries(shardSummaries())),
    shardSummaries,
    rows: (range = {}) => (only ? only.rows(range) : mergeSorted(shards.map((r) => r.rows(range, 'time')), byTime)),
    countRows: (range = {}) => shards.reduce((n, r) => n + r.countRows(range), 0),
    trackingStats: (trackingId, since) => (only ? only.trackingStats(trackingId, since) : trackingStatsOf(shards, trackingId, since)),
    pendingError() {
      let worst: { attempts: number; last_error: string } | null = null;
      for (const r of shards) {
        const e = r.pendingError();
        if (e && (!worst || e.attempts > worst.attempts)) worst = e;
      }
      return worst;
    },
    schemaVersion() {
      const versions = shards.map((r) => r.schemaVersion()).filter((v): v is number => v !== null);
      return versions.length > 0 ? Math.max(...versions) : null;
    },
    close: () => shards.forEach((r) => r.close()),
  };
}

/** Time order over shards: clicked_at, then click_id (unique), compared as stored text. */
function byTime(a: StoredRow, b: StoredRow): number {
  return compareText(a.columns[2], b.columns[2]) || compareText(a.columns[0], b.columns[0]);
}

function compareText(a: unknown, b: unknown): number {
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

const older = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a <= b ? a : b);
const newer = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a >= b ? a : b);

function sumSummaries(all: readonly OutboxSummary[]): OutboxSummary {
  return all.reduce<OutboxSummary>(
    (s, o) => ({
      pending: s.pending + o.pending,
      shipped: s.shipped + o.shipped,
      dead_letter: s.dead_letter + o.dead_letter,
      oldest_pending: older(s.oldest_pending, o.oldest_pending),
      last_shipped_at: newer(s.last_shipped_at, o.last_shipped_at),
      // Positions are per shard: the sum is how many positions all chains have used.
      last_seq: s.last_seq + o.last_seq,
      checkpoints: s.checkpoints + o.checkpoints,
    }),
    { pending: 0, shipped: 0, dead_letter: 0, oldest_pending: null, last_shipped_at: null, last_seq: 0, checkpoints: 0 },
  );
}

function trackingStatsOf(shards: readonly OutboxReadOnly[], trackingId: string, since: readonly string[]): TrackingStats {
  const all = shards.map((r) => r.trackingStats(trackingId, since));
  // A session answered by two threads is in two shards: count it once.
  let sessions = 0;
  let last: string | undefined;
  for (const id of mergeSorted(shards.map((r) => r.sessionIds(trackingId)), (a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (id !== last) sessions++;
    last = id;
  }
  return {
    total: all.reduce((n, s) => n + s.total, 0),
    sessions,
    first: all.reduce<string | null>((t, s) => older(t, s.first), null),
    last: all.reduce<string | null>((t, s) => newer(t, s.last), null),
    since: since.map((_, i) => all.reduce((n, s) => n + (s.since[i] ?? 0), 0)),
    scanners: all.reduce((n, s) => n + s.scanners, 0),
    bots: all.reduce((n, s) => n + s.bots, 0),
  };
}
