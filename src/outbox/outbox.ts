/**
 * Outbox: what the redirect server and the shipper call, in the thread that owns the writer.
 * record() is the hot path (no promise, no message of its own); every other call is an
 * operation (outbox-ops.ts) run by the writer thread between click commits, on its own
 * channel. opsLine() hands another thread a way to the same writer.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ClickRecord, Durability } from '../types.js';
import { OutboxOps } from './outbox-ops.js';
import type { StoreStats } from './writer-protocol.js';
import type { CommitCallback, CommitListener } from './writer-rounds.js';
import { WriterThread } from './writer-thread.js';

export type { CommitCallback, CommitListener, CommitReport } from './writer-rounds.js';

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
  /** The shard this outbox writes (shard-files.ts): serving thread k owns shard k; default 0, outbox.db. */
  shard?: number;
}

export interface OutboxStats extends StoreStats {
  /** clicks recorded but not committed yet (queued, or in the transaction under way) */
  queued: number;
  /** transactions of clicks committed since open */
  commits: number;
  /** clicks whose write failed (their callbacks got an error) since open */
  write_errors: number;
}

export class Outbox extends OutboxOps {
  private constructor(private readonly link: WriterThread) {
    super((op, args) => link.call(op, args));
  }

  static async open(opts: OutboxOptions): Promise<Outbox> {
    const lingerMs = opts.durability === 'fast' ? Math.floor(opts.commitIntervalMs / 2) : 0;
    const boot = { dataDir: opts.dataDir, durability: opts.durability, acceptNewOutbox: opts.acceptNewOutbox ?? false, shard: opts.shard ?? 0 };
    const link = await WriterThread.start(boot, opts.maxQueued ?? 100_000, lingerMs, opts.startWhenFull ?? false);
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
    return this.link.rounds.writable;
  }

  /**
   * A line to this writer for another thread (transfer it, then OutboxOps.connect(line) there):
   * operations on their own channel, straight to whichever writer thread is running.
   */
  opsLine(): MessagePort {
    return this.link.opsLine();
  }

  /** Commits one tiny write (no click): resolves once the disk takes writes again, rejects while it does not. */
  override async probe(): Promise<void> {
    await super.probe();
    this.link.rounds.noteWritable();
  }

  /**
   * Hot path: queues the click. `onCommitted` runs once its transaction has committed (durable:
   * fsynced), with an OutboxError if it could not be written.
   */
  record(click: ClickRecord, onCommitted?: CommitCallback): void {
    this.link.rounds.record(click, onCommitted);
  }

  /** Takes back a click not yet sent to the writer (see ClickRounds.withdraw); false once sent. */
  withdraw(onCommitted: CommitCallback): boolean {
    return this.link.rounds.withdraw(onCommitted);
  }

  /**
   * Calls `listener` once per transaction of clicks with its count, anonymous count, error and
   * queue times (and once per click refused by record()), before those clicks' own callbacks:
   * counting per transaction instead of per click keeps the event loop's work per click small.
   */
  onCommit(listener: CommitListener): void {
    this.link.rounds.onCommit(listener);
  }

  override async stats(): Promise<OutboxStats> {
    const s = await super.stats();
    const r = this.link.rounds;
    return { ...s, queued: r.queued, commits: r.commits, write_errors: r.writeErrors };
  }

  /** Stops accepting clicks, commits everything queued, answers pending calls, closes the writer. */
  close(): Promise<void> {
    return this.link.close();
  }
}
