/**
 * The click channel's owner side: queues clicks, hands them to the writer thread in rounds (one
 * message each), and runs commit callbacks and commit listeners. Nothing here touches SQLite,
 * so the event loop never waits for a disk; starting and restarting the thread is
 * writer-thread.ts's job, operations are writer-ops.ts's.
 *
 * Group commit: the writer thread takes every round that is waiting in its message queue when
 * it starts a transaction and commits their clicks together (one fsync in durable mode). When
 * a round is sent depends on the durability:
 * - durable (lingerMs = 0, up to MAX_ROUNDS_AHEAD rounds in flight): at the end of the
 *   event-loop turn that queued the clicks, even while the writer is committing, so the next
 *   batch is already waiting in its queue when a commit ends. Waiting for the writer to say it
 *   is idle first would put a message round trip, about as long as a commit, between commits
 *   while redirects wait.
 * - fast (lingerMs > 0, one round in flight): once the oldest queued click has waited lingerMs
 *   (or the queue is a full round) and the writer is idle, so the writer makes fewer, larger
 *   transactions. Nobody waits for a fast-mode commit, and per-round costs (two messages, the
 *   transaction, WAL frames of the pages every commit touches) are shared by more clicks.
 * An operation of the owner waits for the round holding the clicks recorded before it
 * (whenSent) and makes that round go at once instead of lingering.
 */
import type { ClickRecord } from '../types.js';
import { CLICK_COLUMNS, CLICK_STRIDE, pushClickColumns } from './columns.js';
import { OutboxError } from './errors.js';
import type { FromWorker, ToWorker } from './writer-protocol.js';

export type CommitCallback = (err: Error | null) => void;

/** What one transaction did, for whoever counts clicks (metrics, the shipper's wake-up). */
export interface CommitReport {
  /** clicks in it (or refused by record(): then 1, with an error) */
  count: number;
  /** of which anonymous (DNT/GPC) */
  anonymous: number;
  /** null when the clicks are stored (durable: and fsynced) */
  error: OutboxError | null;
  /** performance.now() when each click was queued, in order; `count` entries */
  queuedAt: readonly number[];
  /** performance.now() when the event loop learned of the commit */
  committedAt: number;
}
export type CommitListener = (report: CommitReport) => void;

/** Clicks per round at most: after a stall, a huge backlog goes over in pieces, so neither the
 *  event loop (cloning the message) nor waiting operations are held up by one giant round. */
const MAX_BATCH = 4096;
/**
 * Durable mode: rounds sent and not yet committed, at most. The writer commits all rounds
 * waiting in its queue at once, so more rounds ahead only means more, smaller messages.
 */
const MAX_ROUNDS_AHEAD = 64;
const ANONYMOUS = CLICK_COLUMNS.indexOf('anonymous');
export const closedError = (): OutboxError => new OutboxError('CR_ERR_OUTBOX_CLOSED', 'the outbox is closed');
export const unopenedError = (reason: string): OutboxError => new OutboxError('CR_ERR_OUTBOX_WRITE', `the outbox cannot be opened: ${reason}`);

/** The clicks of one message to the writer, and what waits for it to be sent. */
class Round {
  queue: unknown[] = []; // CLICK_STRIDE column values per click
  callbacks: (CommitCallback | undefined)[] = [];
  queuedAt: number[] = [];
  anonymous = 0;
  /** Operations of the owner recorded after these clicks: sent right after this round. */
  then: (() => void)[] = [];
}

export class ClickRounds {
  commits = 0;
  writeErrors = 0;
  private post: (m: ToWorker) => void = () => undefined;
  private ready = false; // a writer thread has the database open and takes rounds
  private stopped = false; // no writer will take rounds any more (closed)
  private closing = false;
  private onDrained: (() => void) | null = null;
  private round = new Round(); // being filled
  /** Rounds sent whose clicks are not committed yet, oldest first. */
  private sent: Round[] = [];
  private sentClicks = 0;
  private readonly listeners: CommitListener[] = [];
  private flushScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lastCommitFailed = false;
  private readonly maxAhead: number;

  /** `lingerMs`: how long a click may wait for more to share its round (0: none; see above). */
  constructor(
    durable: boolean,
    private readonly maxQueued: number,
    private readonly lingerMs: number,
    /** Why the database cannot be opened now (disk full), or null: clicks are refused meanwhile. */
    private readonly unavailable: () => string | null,
  ) {
    this.maxAhead = durable && lingerMs === 0 ? MAX_ROUNDS_AHEAD : 1;
  }

  /** The last transaction of clicks committed (and a writer is there to take more). */
  get writable(): boolean {
    return this.ready && !this.lastCommitFailed;
  }

  /** A write that committed outside the click path (a probe): the disk has room again. */
  noteWritable(): void {
    this.lastCommitFailed = false;
  }

  /** Clicks recorded and not committed yet (queued, or with the writer). */
  get queued(): number {
    return this.round.callbacks.length + this.sentClicks;
  }

  /** Calls `listener` once per transaction of clicks (and once per refused click), before the clicks' own callbacks. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  record(click: ClickRecord, onCommitted?: CommitCallback): void {
    const r = this.round;
    if (this.closing || this.stopped || r.callbacks.length >= this.maxQueued || this.unavailable() !== null) {
      this.refuse(click, onCommitted);
      return;
    }
    pushClickColumns(r.queue, click);
    r.callbacks.push(onCommitted);
    r.queuedAt.push(performance.now());
    if (click.anonymous) r.anonymous++;
    if (!this.flushScheduled) {
      if (this.canSend()) this.scheduleFlush();
    } else if (this.lingerTimer && r.callbacks.length >= MAX_BATCH) this.flushNow();
  }

  /**
   * Takes back a click that has not gone to the writer yet, found by the callback it was
   * recorded with; false once it has (or if unknown). For a redirect whose connection closed
   * before it could be answered: rounds go at the end of the event loop's turn, so a click is
   * still here when the connection dies in the same read as its request (a pipelined request,
   * a body uWebSockets.js cannot frame). Searches the open round from its end: O(1) for the
   * click just recorded, and only ever called on that rare path.
   */
  withdraw(onCommitted: CommitCallback): boolean {
    const r = this.round;
    const i = r.callbacks.lastIndexOf(onCommitted);
    if (i < 0) return false;
    r.callbacks.splice(i, 1);
    r.queuedAt.splice(i, 1);
    const columns = r.queue.splice(i * CLICK_STRIDE, CLICK_STRIDE);
    if (columns[ANONYMOUS] === 1) r.anonymous--;
    return true;
  }

  /**
   * Runs `send` once the clicks recorded so far have gone to the writer (at once when none
   * waits), and sends them without lingering: an operation of the owner runs after them.
   */
  whenSent(send: () => void): void {
    const r = this.round;
    if (r.callbacks.length === 0) return send();
    r.then.push(send);
    if (!this.flushScheduled) {
      if (this.canSend()) this.scheduleFlush();
    } else if (this.lingerTimer) this.flushNow();
  }

  /** A writer thread opened the database: rounds go to it through `post`. */
  writerReady(post: (m: ToWorker) => void): void {
    this.post = post;
    this.ready = true;
    this.lastCommitFailed = false;
    this.pump();
  }

  /** The writer thread answered a group of rounds. */
  committed(m: Extract<FromWorker, { kind: 'committed' }>): void {
    const rounds = this.sent.splice(0, m.rounds);
    const err = m.error === null ? null : new OutboxError(m.code ?? 'CR_ERR_OUTBOX_WRITE', `outbox write failed: ${m.error}`);
    let count = 0;
    let anonymous = 0;
    for (const r of rounds) {
      count += r.callbacks.length;
      anonymous += r.anonymous;
    }
    this.sentClicks -= count;
    if (count > 0) {
      if (err) this.writeErrors += count;
      else this.commits++;
      this.lastCommitFailed = err !== null;
    }
    // Next round first: clicks queued during this commit go to the writer before the
    // callbacks run, so the writer is never idle while there is work.
    this.pump();
    if (count > 0) {
      const queuedAt = rounds.length === 1 ? rounds[0]!.queuedAt : rounds.flatMap((r) => r.queuedAt);
      this.report({ count, anonymous, error: err, queuedAt, committedAt: performance.now() });
    }
    for (const r of rounds) for (const cb of r.callbacks) if (cb) invoke(cb, err);
    this.checkDrained();
  }

  /** The writer thread exited: what it was given fails with `err`; queued clicks wait for the next one. */
  writerGone(err: OutboxError): void {
    this.cancelLinger();
    this.ready = false;
    const sent = this.sent;
    this.sent = [];
    this.sentClicks = 0;
    this.fail(sent, err);
    this.checkDrained();
  }

  /** Fails the clicks not yet sent (detached first: a callback may record again, into the next attempt). */
  failQueued(err: Error): void {
    const round = this.round;
    this.round = new Round();
    this.fail([round], err);
    for (const send of round.then) send();
    this.checkDrained();
  }

  /** No writer will take rounds any more: what is queued fails with `err`, later clicks are refused. */
  stop(err: Error): void {
    this.stopped = true;
    this.cancelLinger();
    this.failQueued(err);
  }

  /** Refuses new clicks and resolves once every queued click has committed (or failed). */
  close(): Promise<void> {
    this.closing = true;
    return new Promise<void>((resolve) => {
      this.onDrained = resolve;
      this.cancelLinger();
      this.pump();
      this.checkDrained();
    });
  }

  private checkDrained(): void {
    if (this.onDrained && this.round.callbacks.length === 0 && this.round.then.length === 0 && this.sent.length === 0) {
      const done = this.onDrained;
      this.onDrained = null;
      done();
    }
  }

  private refuse(click: ClickRecord, cb: CommitCallback | undefined): void {
    const unavailable = this.unavailable();
    const err =
      this.closing || this.stopped
        ? closedError()
        : unavailable !== null
          ? unopenedError(unavailable)
          : new OutboxError('CR_ERR_OUTBOX_QUEUE_FULL', `${this.maxQueued} clicks are already waiting for the outbox writer`);
    this.writeErrors++;
    const now = performance.now();
    queueMicrotask(() => {
      this.report({ count: 1, anonymous: click.anonymous ? 1 : 0, error: err, queuedAt: [now], committedAt: now });
      if (cb) invoke(cb, err);
    });
  }

  private canSend(): boolean {
    return this.ready && !this.stopped && this.sent.length < this.maxAhead;
  }

  /**
   * Flush at the end of this event-loop turn, so a burst of clicks from one turn is one round;
   * with lingerMs, once the oldest queued click has waited that long.
   */
  private scheduleFlush(): void {
    const wait = this.lingerWait();
    this.flushScheduled = true;
    if (wait > 0) this.lingerTimer = setTimeout(this.flush, wait);
    else setImmediate(this.flush);
  }

  /** An operation, a full round or close must not linger: flush at the end of this turn instead. */
  private flushNow(): void {
    this.cancelLinger();
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private cancelLinger(): void {
    if (!this.lingerTimer) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.flushScheduled = false;
  }

  /** Milliseconds the queued clicks should still wait for company (0: send now). */
  private lingerWait(): number {
    const r = this.round;
    if (this.lingerMs === 0 || this.closing || r.then.length > 0 || r.callbacks.length === 0 || r.callbacks.length >= MAX_BATCH) return 0;
    return Math.max(0, r.queuedAt[0]! + this.lingerMs - performance.now());
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.lingerTimer = null;
    this.pump();
  };

  /** Sends what is queued, if the writer may take another round. */
  private pump(): void {
    if (!this.canSend()) return;
    const r = this.round;
    if (r.callbacks.length === 0) return;
    if (this.flushScheduled) return; // a linger timer (or an immediate) will send
    if (this.lingerWait() > 0) {
      this.scheduleFlush();
      return;
    }
    let send = r;
    if (r.callbacks.length > MAX_BATCH) {
      // The oldest MAX_BATCH clicks go now; the rest (and what waits for them) stay queued for the next round.
      send = new Round();
      send.queue = r.queue.splice(0, MAX_BATCH * CLICK_STRIDE);
      send.callbacks = r.callbacks.splice(0, MAX_BATCH);
      send.queuedAt = r.queuedAt.splice(0, MAX_BATCH);
      for (let at = ANONYMOUS; at < send.queue.length; at += CLICK_STRIDE) if (send.queue[at] === 1) send.anonymous++;
      r.anonymous -= send.anonymous;
    } else {
      this.round = new Round();
    }
    this.sent.push(send);
    this.sentClicks += send.callbacks.length;
    this.post({ kind: 'round', batch: send.queue });
    const then = send.then;
    send.then = [];
    for (const op of then) op();
    // More may go at once (durable) or at the next commit; a partial round's rest goes next.
    if (this.round.callbacks.length > 0) this.pump();
  }

  private fail(rounds: readonly Round[], err: Error): void {
    const error = err instanceof OutboxError ? err : new OutboxError('CR_ERR_OUTBOX_WRITE', err.message);
    for (const r of rounds) {
      const count = r.callbacks.length;
      if (count === 0) continue;
      this.writeErrors += count;
      this.report({ count, anonymous: r.anonymous, error, queuedAt: r.queuedAt, committedAt: performance.now() });
      for (const cb of r.callbacks) if (cb) invoke(cb, err);
    }
  }

  private report(r: CommitReport): void {
    for (const l of this.listeners) {
      try {
        l(r);
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }
}

/** A throwing callback must not keep the others of its batch from running. */
function invoke(cb: CommitCallback, err: Error | null): void {
  try {
    cb(err);
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown;
    });
  }
}
