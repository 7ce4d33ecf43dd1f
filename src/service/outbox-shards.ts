/**
 * A writer for every outbox shard present, so that the shipper, retention and the
 * dead-letter commands reach every shard (OutboxShardSet, outbox/shard-set.ts).
 *
 * Why a writer per shard, serving or not: a shard left by an earlier, larger
 * `server.threads` has no serving thread now, yet its clicks must still be acknowledged,
 * dead-lettered, requeued and purged. Every one of those writes moves the shard's chain or
 * counts, and a purge leaves a checkpoint its head must agree with; the writer (store.ts) is
 * the one piece that keeps a shard's chain, checkpoints and head right, and it runs the same
 * damage checks at open (open-checked.ts, wal-check, the head) as for a serving shard. A
 * second, direct write path would duplicate all of that and could race a writer opened later
 * for the same file. So an idle shard gets the ordinary writer thread: one idle thread,
 * opened through the same checks, taking no clicks (nothing records into it), only the
 * operations the shard set sends. A shard with a serving thread is passed in as `served`
 * and not opened twice; serving threads that start later attach their shard's writer to the
 * set (OutboxShardSet.attach, with `growable`), so one shipper covers every shard.
 */
import type { Settings } from '../config/settings.js';
import { Outbox, OutboxShardSet, listShards, type ShardMember } from '../outbox/index.js';
import type { OutboxOptions } from '../outbox/outbox.js';

export interface OutboxShards {
  /** Every shard present (and the served ones) as one port. */
  readonly set: OutboxShardSet;
  /** The writers opened here for shards no serving thread writes. */
  readonly idle: readonly Outbox[];
  /** What was accepted at open (serve --accept-new-outbox) in the idle shards. */
  readonly startupNotes: readonly string[];
  /** Closes the idle writers (the served ones are their owners' to close). */
  close(): Promise<void>;
}

type Extra = Pick<Partial<OutboxOptions>, 'acceptNewOutbox' | 'startWhenFull' | 'durability'> & {
  /** Serving threads will attach their shards' writers later (set.attach): the set must take more. */
  growable?: boolean;
  /** Shards a serving thread opens itself (server.threads > 1) and attaches later: not opened here. */
  reserved?: readonly number[];
};

/**
 * Opens a writer for every shard in the data folder that `served` does not cover; with
 * nothing served and no shard on disk yet, shard 0 (as the single outbox always was).
 * Refuses, like shard 0 at start, a shard whose files are damaged or behind their head.
 */
export async function openOutboxShards(s: Settings, served: readonly ShardMember[], { growable = false, reserved = [], ...extra }: Extra = {}): Promise<OutboxShards> {
  const dataDir = s.storage.data_dir;
  const taken = new Set([...served.map((m) => m.shard), ...reserved]);
  const present = listShards(dataDir);
  const toOpen = present.filter((k) => !taken.has(k));
  if (served.length === 0 && toOpen.length === 0) toOpen.push(0);
  const idle: Outbox[] = [];
  try {
    for (const shard of toOpen) idle.push(await Outbox.open({ dataDir, shard, durability: s.durability, commitIntervalMs: s.outbox.commit_interval_ms, ...extra }));
  } catch (err) {
    await Promise.all(idle.map((o) => o.close()));
    throw err;
  }
  const set = new OutboxShardSet([...served, ...idle.map((o) => ({ shard: o.shard, ops: o }))], { growable });
  return {
    set,
    idle,
    startupNotes: idle.flatMap((o) => o.startupNotes),
    close: async () => void (await Promise.all(idle.map((o) => o.close()))),
  };
}
