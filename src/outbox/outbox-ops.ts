/**
 * The outbox's operations as the shipper, retention and the CLI call them (take, ack, dead
 * letters, purges, stats, probe), over any operations channel of a writer: the owner's
 * (Outbox) or a client in another thread (OutboxOps.connect with an ops line from
 * Outbox.opsLine()). Large id lists go over in slices so clicks keep committing between.
 */
import type { MessagePort } from 'node:worker_threads';
import type { StoredClick } from '../types.js';
import { CLICK_STRIDE, columnsAt, storedClickOfColumns } from './columns.js';
import type { OpMap, OpName, PurgedCounts, StoreStats } from './writer-protocol.js';
import { WriterOps } from './writer-ops.js';

export type OpCall = <K extends OpName>(op: K, args: OpMap[K]['args']) => Promise<OpMap[K]['result']>;

const SLICE = 1000;

export class OutboxOps {
  constructor(private readonly call: OpCall) {}

  /** A client of the writer at the other end of `line` (Outbox.opsLine(), possibly made in another thread). */
  static connect(line: MessagePort): OutboxOps & { close(): void } {
    const client = new WriterOps(line);
    return Object.assign(new OutboxOps((op, args) => client.call(op, args)), { close: () => client.close() });
  }

  /** Commits one tiny write (no click): resolves once the disk takes writes again, rejects while it does not. */
  async probe(): Promise<void> {
    await this.call('probe', {});
  }

  /** Oldest pending clicks with seq > afterSeq, up to `limit` rows and about `maxBytes` of JSON (at least one row); metadata as its stored JSON text. */
  async takePending(limit: number, maxBytes: number, afterSeq = 0): Promise<{ seq: number; click: StoredClick }[]> {
    return (await this.takePendingMeasured(limit, maxBytes, afterSeq)).items;
  }

  /** takePending, and about how many bytes of JSON the clicks make (a shard set shares one budget between shards). */
  async takePendingMeasured(limit: number, maxBytes: number, afterSeq = 0): Promise<{ items: { seq: number; click: StoredClick }[]; bytes: number }> {
    const { seqs, flat, bytes } = await this.call('takePending', { limit, maxBytes, afterSeq });
    return { items: seqs.map((seq, i) => ({ seq, click: storedClickOfColumns(columnsAt(flat, i * CLICK_STRIDE)) })), bytes };
  }

  /** Marks pending clicks shipped, by their seq (from takePending); returns how many were pending. */
  ackShipped(seqs: readonly number[], at: Date = new Date()): Promise<number> {
    const iso = at.toISOString();
    return sliced(seqs, (slice) => this.call('ackShipped', { seqs: slice, at: iso }));
  }

  /** Counts a failed delivery attempt on pending clicks and keeps the error. */
  async noteAttempt(clickIds: readonly string[], error: string): Promise<void> {
    await sliced(clickIds, (ids) => this.call('noteAttempt', { ids, error }));
  }

  /** Moves pending clicks to the dead-letter state with their reason; they are not retried. */
  async deadLetter(items: readonly { click_id: string; reason: string }[]): Promise<void> {
    await sliced(items, (slice) => this.call('deadLetter', { items: slice }));
  }

  /** Makes dead letters pending again (all of them when no ids are given); returns how many. */
  requeueDead(clickIds?: readonly string[]): Promise<number> {
    if (!clickIds) return this.call('requeueDead', { ids: null });
    return sliced(clickIds, (ids) => this.call('requeueDead', { ids }));
  }

  /** Deletes dead letters (all when no ids are given), leaving chain checkpoints; returns how many. */
  purgeDead(clickIds?: readonly string[]): Promise<number> {
    const purgedAt = new Date().toISOString();
    const step = { reason: 'dead', cutoff: null, unshipped: false, purgedAt } as const;
    if (clickIds) return sliced(clickIds, async (ids) => total(await this.call('purgeStep', { ...step, ids, max: ids.length })));
    return this.purgeLoop({ ...step, ids: null, max: SLICE });
  }

  /**
   * Deletes shipped clicks and dead letters clicked more than `retentionDays` before `now`
   * (default: now), at most `maxRowsPerTx` per transaction; pending ones are kept (nothing
   * is deleted before it is shipped; status and audit warn about old ones). A dead letter
   * will never be shipped, so retention is its only limit. `unshipped`: pending ones past the
   * cutoff go too; for standalone mode, where nothing is ever shipped, so that retention
   * still applies. Returns how many.
   */
  purgeExpired(retentionDays: number, { now = new Date(), maxRowsPerTx = 500, unshipped = false }: { now?: Date; maxRowsPerTx?: number; unshipped?: boolean } = {}): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    return this.purgeLoop({ reason: 'retention', cutoff, unshipped, dead: true, ids: null, purgedAt: new Date().toISOString(), max: Math.max(1, maxRowsPerTx) });
  }

  /** True once after another connection committed to the outbox (see store.ts): rows behind a reader's cursor may have changed. */
  changedOutside(): Promise<boolean> {
    return this.call('changedOutside', {});
  }

  /** The stored clicks by delivery state, the oldest pending and the last position. */
  stats(): Promise<StoreStats> {
    return this.call('stats', {});
  }

  private async purgeLoop(args: OpMap['purgeStep']['args']): Promise<number> {
    let sum = 0;
    for (;;) {
      const n = total(await this.call('purgeStep', args));
      sum += n;
      if (n < args.max) return sum;
    }
  }
}

const total = (n: PurgedCounts): number => n.shipped + n.pending + n.dead;

async function sliced<T>(items: readonly T[], run: (slice: T[]) => Promise<number>): Promise<number> {
  let n = 0;
  for (let i = 0; i < items.length; i += SLICE) n += await run(items.slice(i, i + SLICE));
  return n;
}
