/**
 * Every outbox shard's writer as one: the port the shipper reads and settles through, and
 * what retention, the dead-letter commands, the gauges and the status page call. Each call
 * goes to the shard that holds the clicks, through that shard's own writer (an Outbox, or
 * an OutboxOps client on its ops line), so every change stays in its shard's chain and head.
 *
 * - Reads are fair: each takePending starts at the next shard in turn and fills what is left
 *   of the batch from the others, so a busy shard cannot starve a quiet one.
 * - A shard's positions are its own, so the set hands out `seq` = local seq × shards + the
 *   shard's index in the set: an ack goes back to its shard by that number alone. One number
 *   cannot carry a position per shard, so `afterSeq` means: 0 reads from the oldest pending
 *   click of every shard again (the pump's start and rewind), anything else continues after
 *   what the set handed out last (the pump's cursor). Nothing is handed out twice in between.
 * - Writes by click_id (attempt notes, dead letters, requeue, purge) go to every shard: ids
 *   are unique (UUIDv7), a shard without the click changes nothing, and these are rare.
 * - Retention purges each shard in turn: each purge is a checkpoint in its own chain.
 * With one shard (threads = 1) every call is that shard's own, unchanged.
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

export class OutboxShardSet {
  private readonly members: readonly ShardMember[];
  private readonly n: number;
  /** Per member: the newest local position handed out. */
  private readonly cursors: number[];
  /** The member the next read starts at. */
  private turn = 0;

  constructor(members: readonly ShardMember[]) {
    if (members.length === 0) throw new Error('an outbox shard set needs at least one shard');
    this.members = [...members].sort((a, b) => a.shard - b.shard);
    this.n = this.members.length;
    this.cursors = this.members.map(() => 0);
  }

  /** The shards in the set, ascending. */
  get shards(): number[] {
    return this.members.map((m) => m.shard);
  }

  async takePending(limit: number, maxBytes: number, afterSeq = 0): Promise<Item[]> {
    if (this.n === 1) return this.members[0]!.ops.takePending(limit, maxBytes, afterSeq);
    if (afterSeq === 0) this.cursors.fill(0);
    const start = this.turn;
    this.turn = (start + 1) % this.n;
    const out: Item[] = [];
    let bytes = 0;
    for (let step = 0; step < this.n && out.length < limit && bytes < maxBytes; step++) {
      const i = (start + step) % this.n;
      const read = await this.members[i]!.ops.takePendingMeasured(limit - out.length, maxBytes - bytes, this.cursors[i]!);
      // takePending hands out at least one row even past the byte budget: a later shard
      // adds nothing once the budget is spent, the first one alone may overshoot (as today).
      if (out.length > 0 && bytes + read.bytes > maxBytes) break;
      bytes += read.bytes;
      for (const it of read.items) {
        if (it.seq > this.cursors[i]!) this.cursors[i] = it.seq;
        out.push({ seq: it.seq * this.n + i, click: it.click });
      }
    }
    return out;
  }

  ackShipped(seqs: readonly number[], at: Date = new Date()): Promise<number> {
    if (this.n === 1) return this.members[0]!.ops.ackShipped(seqs, at);
    const per = this.members.map((): number[] => []);
    for (const s of seqs) {
      const i = s % this.n;
      per[i]!.push((s - i) / this.n);
    }
    return this.sum((m, i) => (per[i]!.length > 0 ? m.ops.ackShipped(per[i]!, at) : Promise.resolve(0)));
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
  private async sum(call: (m: ShardMember, i: number) => Promise<number>): Promise<number> {
    const ns = await Promise.all(this.members.map((m, i) => call(m, i)));
    return ns.reduce((a, b) => a + b, 0);
  }
}
