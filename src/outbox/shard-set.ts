/**
 * Every outbox shard's writer as one: the port the shipper reads and settles through, and
 * what retention, the dead-letter commands, the gauges and the status page call. Each call
 * goes to the shard that holds the clicks, through that shard's own writer (an Outbox, or
 * an OutboxOps client on its ops line), so every change stays in its shard's chain and head.
 *
 * - Reads are fair: each takePending starts at the next shard in turn and fills what is left
 *   of the batch from the others, so a busy shard cannot starve a quiet one.
 * - A shard's positions are its own, so the set hands out `seq` = local seq × SHARD_SPAN + the
 *   shard's number: an ack goes back to its shard by that number alone, even when the shard's
 *   writer was replaced meanwhile (a restarted serving thread: attach()). One number
 *   cannot carry a position per shard, so `afterSeq` means: 0 reads from the oldest pending
 *   click of every shard again (the pump's start and rewind), anything else continues after
 *   what the set handed out last (the pump's cursor). Nothing is handed out twice in between.
 * - Writes by click_id (attempt notes, dead letters, requeue, purge) go to every shard: ids
 *   are unique (UUIDv7), a shard without the click changes nothing, and these are rare.
 * - Retention purges each shard in turn: each purge is a checkpoint in its own chain.
 * - A change made beside the serve in any shard (changedOutside) is reported once, so the
 *   shipper reads from the oldest pending click again as it does with a single outbox.
 * Built with one shard and not `growable` (threads = 1, no other shard on disk), every call is
 * that shard's own, unchanged (its seqs as they are); a growable set takes shards as their
 * writers come (attach), so it encodes from the start.
 */
import type { StoredClick } from '../types.js';
import type { OutboxOps } from './outbox-ops.js';
import type { StoreStats } from './writer-protocol.js';

export interface ShardMember {
  shard: number;
  ops: OutboxOps;
}

/** One shard's running counts (`status` and the status page list them). */
export interface ShardStats extends StoreStats {
  shard: number;
}

export interface ShardSetStats extends StoreStats {
  /** Each shard's own counts, shard ascending; the fields above are their sums. */
  shards: ShardStats[];
}

type Item = { seq: number; click: StoredClick };

/** Shard numbers stay below this; a shard's local positions below 2^53 / SHARD_SPAN (8.8 × 10^12). */
export const SHARD_SPAN = 1024;

export class OutboxShardSet {
  /** By shard number; `members` is the same, shard ascending. */
  private readonly byShard = new Map<number, OutboxOps>();
  private members: ShardMember[] = [];
  /** Per shard: the newest local position handed out. */
  private readonly cursors = new Map<number, number>();
  /** Where the next read starts, in `members`. */
  private turn = 0;
  /** One shard, never more: calls pass straight through (threads = 1). */
  private readonly single: boolean;

  constructor(members: readonly ShardMember[], opts: { growable?: boolean } = {}) {
    if (members.length === 0 && !opts.growable) throw new Error('an outbox shard set needs at least one shard');
    for (const m of members) this.attach(m.shard, m.ops, true);
    this.single = !opts.growable && members.length === 1;
  }

  /** The shards in the set, ascending. */
  get shards(): number[] {
    return this.members.map((m) => m.shard);
  }

  /**
   * Shard `shard` is written by `ops` from now on: a new shard, or a new writer for one already
   * in the set (its serving thread restarted). Its read position is kept: what was handed out
   * is still in flight, and its acks reach the new writer (same file, same chain).
   */
  attach(shard: number, ops: OutboxOps, building = false): void {
    if (!building && this.single) throw new Error('this outbox shard set was built for one shard (not growable)');
    if (!Number.isSafeInteger(shard) || shard < 0 || shard >= SHARD_SPAN) throw new RangeError(`outbox shard ${shard} is outside 0…${SHARD_SPAN - 1}`);
    this.byShard.set(shard, ops);
    if (!this.cursors.has(shard)) this.cursors.set(shard, 0);
    this.members = [...this.byShard.entries()].sort(([a], [b]) => a - b).map(([k, o]) => ({ shard: k, ops: o }));
  }

  async takePending(limit: number, maxBytes: number, afterSeq = 0): Promise<Item[]> {
    if (this.single) return this.members[0]!.ops.takePending(limit, maxBytes, afterSeq);
    if (afterSeq === 0) for (const k of this.cursors.keys()) this.cursors.set(k, 0);
    const members = this.members;
    const n = members.length;
    const start = n === 0 ? 0 : this.turn % n;
    this.turn = start + 1;
    const out: Item[] = [];
    let bytes = 0;
    for (let step = 0; step < n && out.length < limit && bytes < maxBytes; step++) {
      const { shard, ops } = members[(start + step) % n]!;
      const read = await ops.takePendingMeasured(limit - out.length, maxBytes - bytes, this.cursors.get(shard) ?? 0);
      // takePending hands out at least one row even past the byte budget: a later shard
      // adds nothing once the budget is spent, the first one alone may overshoot (as today).
      if (out.length > 0 && bytes + read.bytes > maxBytes) break;
      bytes += read.bytes;
      for (const it of read.items) {
        if (it.seq > (this.cursors.get(shard) ?? 0)) this.cursors.set(shard, it.seq);
        out.push({ seq: it.seq * SHARD_SPAN + shard, click: it.click });
      }
    }
    return out;
  }

  ackShipped(seqs: readonly number[], at: Date = new Date()): Promise<number> {
    if (this.single) return this.members[0]!.ops.ackShipped(seqs, at);
    const per = new Map<number, number[]>();
    for (const s of seqs) {
      const shard = s % SHARD_SPAN;
      let list = per.get(shard);
      if (!list) per.set(shard, (list = []));
      list.push((s - shard) / SHARD_SPAN);
    }
    return this.sum((m) => {
      const local = per.get(m.shard);
      return local ? m.ops.ackShipped(local, at) : Promise.resolve(0);
    });
  }

  async noteAttempt(clickIds: readonly string[], error: string): Promise<void> {
    await this.sum(async (m) => (await m.ops.noteAttempt(clickIds, error), 0));
  }

  async deadLetter(items: readonly { click_id: string; reason: string }[]): Promise<void> {
    await this.sum(async (m) => (await m.ops.deadLetter(items), 0));
  }

  /** Makes dead letters pending again, in every shard (all when no ids are given); returns how many. */
  requeueDead(clickIds?: readonly string[]): Promise<number> {
    return this.sum((m) => m.ops.requeueDead(clickIds));
  }

  /** Deletes dead letters in every shard (all when no ids are given), each shard leaving its own checkpoints; returns how many. */
  purgeDead(clickIds?: readonly string[]): Promise<number> {
    return this.sum((m) => m.ops.purgeDead(clickIds));
  }

  /** Retention in every shard, one after the other (each a checkpoint in its own chain); returns how many. */
  async purgeExpired(retentionDays: number, opts: Parameters<OutboxOps['purgeExpired']>[1] = {}): Promise<number> {
    let n = 0;
    for (const m of this.members) n += await m.ops.purgeExpired(retentionDays, opts);
    return n;
  }

  /**
   * True once after another connection committed to any shard (`dead-letters requeue` beside
   * the serve, store.ts): every shard is asked, so each re-counts and clears its own note, and
   * the pump then reads every shard from its oldest pending click again.
   */
  async changedOutside(): Promise<boolean> {
    const changed = await Promise.all(this.members.map((m) => m.ops.changedOutside()));
    return changed.some(Boolean);
  }

  async stats(): Promise<ShardSetStats> {
    const all = await Promise.all(this.members.map(async (m): Promise<ShardStats> => ({ shard: m.shard, ...(await m.ops.stats()) })));
    const sum: ShardSetStats = { pending: 0, shipped: 0, dead_letter: 0, oldest_pending: null, last_seq: 0, shards: all };
    for (const s of all) {
      sum.pending += s.pending;
      sum.shipped += s.shipped;
      sum.dead_letter += s.dead_letter;
      if (s.oldest_pending !== null && (sum.oldest_pending === null || s.oldest_pending < sum.oldest_pending)) sum.oldest_pending = s.oldest_pending;
      sum.last_seq += s.last_seq; // positions are per shard: how many all chains have used
    }
    return sum;
  }

  /** Runs `call` on every member at once; the sum of their answers. */
  private async sum(call: (m: ShardMember) => Promise<number>): Promise<number> {
    const ns = await Promise.all(this.members.map((m) => call(m)));
    return ns.reduce((a, b) => a + b, 0);
  }
}
