/**
 * Outbox: what the redirect server and the shipper call. record() is the hot path (no promise,
 * no message of its own); everything else is a small operation run by the writer thread
 * between click commits. Large id lists go over in slices so clicks keep committing between.
 */
import type { ClickRecord, Durability, StoredClick } from '../types.js';
import { CLICK_STRIDE, columnsAt, storedClickOfColumns } from './columns.js';
import type { OpMap, PurgedCounts, StoreStats } from './writer-protocol.js';
import { WriterLink, type CommitCallback, type CommitListener } from './writer-link.js';

export type { CommitCallback, CommitListener, CommitReport } from './writer-link.js';

export interface OutboxOptions {
  dataDir: string;
  durability: Durability;
  /**
   * Longest a queued click may wait for its commit (CONTRACT.md, outbox.commit_interval_ms).
   * durable: not used as a timer — an idle writer is handed the queue at the end of the current
   * event-loop turn (setImmediate), a busy one right after its current commit, so a click waits
   * at most one commit; a timer would only add waiting to redirects that wait for the commit.
   * fast: nobody waits for the commit, so queued clicks linger half of this for company (see
   * writer-link.ts): fewer, larger transactions, the other half left for the commit itself.
   */
  commitIntervalMs: number;
  /** Clicks allowed to wait for the writer before record() refuses more (default 100 000). */
  maxQueued?: number;
  /**
   * Go on past a damaged, emptied or cut-back outbox instead of refusing with
   * CR_ERR_OUTBOX_BEHIND_HEAD / _WAL_DAMAGED / _CORRUPT / _OPEN (`serve --accept-new-outbox`).
   */
  acceptNewOutbox?: boolean;
  /**
   * When the database cannot be opened because the disk is full, resolve anyway: clicks are
   * refused with CR_ERR_OUTBOX_WRITE and the writer is retried until it opens (`unavailable`).
   */
  startWhenFull?: boolean;
}

export interface OutboxStats extends StoreStats {
  /** clicks recorded but not committed yet (queued, or in the transaction under way) */
  queued: number;
  /** transactions of clicks committed since open */
  commits: number;
  /** clicks whose write failed (their callbacks got an error) since open */
  write_errors: number;
}

const SLICE = 1000;

export class Outbox {
  private constructor(private readonly link: WriterLink) {}

  static async open(opts: OutboxOptions): Promise<Outbox> {
    if (!(opts.commitIntervalMs >= 0)) throw new TypeError(`commitIntervalMs must be >= 0, not ${opts.commitIntervalMs}`);
    const lingerMs = opts.durability === 'fast' ? Math.floor(opts.commitIntervalMs / 2) : 0;
    const boot = { dataDir: opts.dataDir, durability: opts.durability, acceptNewOutbox: opts.acceptNewOutbox ?? false };
    const link = await WriterLink.start(boot, opts.maxQueued ?? 100_000, lingerMs, opts.startWhenFull ?? false);
    return new Outbox(link);
  }

  /** What was accepted at open because of acceptNewOutbox (damaged files set aside, a gap); empty when nothing was wrong. */
  get startupNotes(): readonly string[] {
    return this.link.startupNotes;
  }

  /** Why the database cannot be opened right now (disk full, see startWhenFull); null while it is open. */
  get unavailable(): string | null {
    return this.link.unavailable;
  }

  /** Open, and the last transaction of clicks committed: what readiness asks in fail-closed mode. */
  get writable(): boolean {
    return this.link.writable;
  }

  /** Commits one tiny write (no click): resolves once the disk takes writes again, rejects while it does not. */
  async probe(): Promise<void> {
    await this.link.call('probe', {});
    this.link.noteWritable();
  }

  /**
   * Hot path: queues the click. `onCommitted` runs once its transaction has committed (durable:
   * fsynced), with an OutboxError if it could not be written.
   */
  record(click: ClickRecord, onCommitted?: CommitCallback): void {
    this.link.record(click, onCommitted);
  }

  /** Takes back a click not yet sent to the writer (see WriterLink.withdraw); false once sent. */
  withdraw(onCommitted: CommitCallback): boolean {
    return this.link.withdraw(onCommitted);
  }

  /**
   * Calls `listener` once per transaction of clicks with its count, anonymous count, error and
   * queue times (and once per click refused by record()), before those clicks' own callbacks:
   * counting per transaction instead of per click keeps the event loop's work per click small.
   */
  onCommit(listener: CommitListener): void {
    this.link.onCommit(listener);
  }

  /** Oldest pending clicks with seq > afterSeq, up to `limit` rows and about `maxBytes` of JSON (at least one row); metadata as its stored JSON text. */
  async takePending(limit: number, maxBytes: number, afterSeq = 0): Promise<{ seq: number; click: StoredClick }[]> {
    const { seqs, flat } = await this.link.call('takePending', { limit, maxBytes, afterSeq });
    return seqs.map((seq, i) => ({ seq, click: storedClickOfColumns(columnsAt(flat, i * CLICK_STRIDE)) }));
  }

  /** Marks pending clicks shipped, by their seq (from takePending); returns how many were pending. */
  ackShipped(seqs: readonly number[], at: Date = new Date()): Promise<number> {
    const iso = at.toISOString();
    return sliced(seqs, (slice) => this.link.call('ackShipped', { seqs: slice, at: iso }));
  }

  /** Counts a failed delivery attempt on pending clicks and keeps the error. */
  async noteAttempt(clickIds: readonly string[], error: string): Promise<void> {
    await sliced(clickIds, (ids) => this.link.call('noteAttempt', { ids, error }));
  }

  /** Moves pending clicks to the dead-letter state with their reason; they are not retried. */
  async deadLetter(items: readonly { click_id: string; reason: string }[]): Promise<void> {
    await sliced(items, (slice) => this.link.call('deadLetter', { items: slice }));
  }

  /** Makes dead letters pending again (all of them when no ids are given); returns how many. */
  requeueDead(clickIds?: readonly string[]): Promise<number> {
    if (!clickIds) return this.link.call('requeueDead', { ids: null });
    return sliced(clickIds, (ids) => this.link.call('requeueDead', { ids }));
  }

  /** Deletes dead letters (all when no ids are given), leaving chain checkpoints; returns how many. */
  purgeDead(clickIds?: readonly string[]): Promise<number> {
    const purgedAt = new Date().toISOString();
    const step = { reason: 'dead', cutoff: null, unshipped: false, purgedAt } as const;
    if (clickIds) return sliced(clickIds, async (ids) => total(await this.link.call('purgeStep', { ...step, ids, max: ids.length })));
    return this.purgeLoop({ ...step, ids: null, max: SLICE });
  }

  /**
   * Deletes shipped clicks clicked more than `retentionDays` before `now` (default: now), at most
   * `maxRowsPerTx` per transaction; pending and dead ones are kept (nothing is deleted
   * before it is shipped). `unshipped`: pending ones past the cutoff go too; for standalone
   * mode, where nothing is ever shipped, so that retention still applies. Returns how many.
   */
  purgeExpired(retentionDays: number, { now = new Date(), maxRowsPerTx = 500, unshipped = false }: { now?: Date; maxRowsPerTx?: number; unshipped?: boolean } = {}): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    return this.purgeLoop({ reason: 'retention', cutoff, unshipped, ids: null, purgedAt: new Date().toISOString(), max: Math.max(1, maxRowsPerTx) });
  }

  async stats(): Promise<OutboxStats> {
    const s = await this.link.call('stats', {});
    return { ...s, queued: this.link.queued, commits: this.link.commits, write_errors: this.link.writeErrors };
  }

  /** Caps outbox.db at `pages` pages (null lifts the cap): a quota that fails writes like a full disk. Returns the cap in force. */
  limitPages(pages: number | null): Promise<number> {
    return this.link.call('limitPages', { pages });
  }

  /** Stops accepting clicks, commits everything queued, answers pending calls, closes the writer. */
  close(): Promise<void> {
    return this.link.close();
  }

  private async purgeLoop(args: OpMap['purgeStep']['args']): Promise<number> {
    let sum = 0;
    for (;;) {
      const n = total(await this.link.call('purgeStep', args));
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
