/**
 * The event loop's end of the writer thread: queues clicks and operations, hands them over in
 * rounds (one message each), runs commit callbacks and commit listeners, and restarts the
 * thread if it dies. Nothing here touches SQLite, so the event loop never waits for a disk.
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
 * Operations (the shipper's calls, stats) never linger, and run after the clicks of their group.
 */
import type { Worker } from 'node:worker_threads';
import type { ClickRecord } from '../types.js';
import { CLICK_COLUMNS, CLICK_STRIDE, pushClickColumns } from './columns.js';
import { OutboxError, type OutboxErrorCode } from './errors.js';
import type { FromWorker, OpMap, OpName, OpRequest, WorkerBoot } from './writer-protocol.js';
import { startWriterWorker } from './writer-thread.js';

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
const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5000;
const ANONYMOUS = CLICK_COLUMNS.indexOf('anonymous');
const closedError = (): OutboxError => new OutboxError('CR_ERR_OUTBOX_CLOSED', 'the outbox is closed');

/** The clicks and operations of one message to the writer. */
class Round {
  queue: unknown[] = []; // CLICK_STRIDE column values per click
  callbacks: (CommitCallback | undefined)[] = [];
  queuedAt: number[] = [];
  anonymous = 0;
}

export class WriterLink {
  private worker!: Worker;
  private ready = false; // the current thread has opened the database
  private everReady = false;
  private onStarted: ((failure: string | null, code?: OutboxErrorCode) => void) | null = null; // until the first thread is ready or failed
  /** What the first thread reported accepting at open (serve --accept-new-outbox). */
  startupNotes: string[] = [];
  private round = new Round(); // being filled
  private ops: OpRequest[] = [];
  /** Rounds sent whose clicks are not committed yet, oldest first. */
  private sent: Round[] = [];
  private sentClicks = 0;
  /** Sent rounds whose group has not finished (committed, and its operations answered). */
  private outstanding = 0;
  /** Per group whose operation results are awaited: its number of rounds, oldest first. */
  private awaitingResults: number[] = [];
  private readonly sentOps = new Set<number>();
  private readonly waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private readonly listeners: CommitListener[] = [];
  private nextOpId = 1;
  private flushScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private closeSent = false;
  private onClosed: (() => void) | null = null;
  private closePromise: Promise<void> | null = null;
  private respawnDelay = RESPAWN_MIN_MS;
  private respawnTimer: NodeJS.Timeout | null = null;
  /** Started on a disk too full to open the database: the writer is retried until it opens. */
  private startedUnopened = false;
  /** Why the last writer thread could not open the database; null once one has. */
  private openFailure: string | null = null;
  private lastCommitFailed = false;
  private readonly maxAhead: number;
  commits = 0;
  writeErrors = 0;

  private constructor(
    private readonly boot: WorkerBoot,
    private readonly maxQueued: number,
    private readonly lingerMs: number,
  ) {
    this.maxAhead = boot.durability === 'durable' && lingerMs === 0 ? MAX_ROUNDS_AHEAD : 1;
  }

  /**
   * Starts the writer thread; rejects with CR_ERR_OUTBOX_OPEN if it cannot open the database.
   * `lingerMs`: how long a click may wait for more to share its round (0: none; see above).
   */
  static start(boot: WorkerBoot, maxQueued: number, lingerMs = 0, startWhenFull = false): Promise<WriterLink> {
    const link = new WriterLink(boot, maxQueued, lingerMs);
    return new Promise((resolve, reject) => {
      link.onStarted = (failure, code) =>
        failure === null
          ? resolve(link)
          : startWhenFull && code === 'CR_ERR_OUTBOX_WRITE'
            ? resolve(link.unopened(failure))
            : reject(new OutboxError(code ?? 'CR_ERR_OUTBOX_OPEN', code ? failure : `cannot open the outbox in ${boot.dataDir}: ${failure}`));
      link.spawn();
    });
  }

  private unopened(failure: string): this {
    this.startedUnopened = true;
    this.openFailure = failure;
    return this;
  }

  /** Why the writer cannot open the database right now (disk full); null while it is open. */
  get unavailable(): string | null {
    return this.ready ? null : this.openFailure;
  }

  /** The database is open and the last transaction of clicks committed. */
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
    if (this.closing || r.callbacks.length >= this.maxQueued || this.unavailable !== null) {
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

  call<K extends OpName>(op: K, args: OpMap[K]['args']): Promise<OpMap[K]['result']> {
    if (this.closeSent) return Promise.reject(closedError());
    if (this.unavailable !== null) return Promise.reject(new OutboxError('CR_ERR_OUTBOX_WRITE', `the outbox cannot be opened: ${this.unavailable}`));
    return new Promise<OpMap[K]['result']>((resolve, reject) => {
      const id = this.nextOpId++;
      this.waiting.set(id, { resolve, reject });
      this.ops.push({ id, op, args } as OpRequest);
      if (!this.flushScheduled) {
        if (this.canSend()) this.scheduleFlush();
      } else if (this.lingerTimer) this.flushNow();
    });
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.closeSent && this.unavailable !== null) {
      // No open database to commit into: stop retrying and let go of the thread being tried.
      if (this.respawnTimer) clearTimeout(this.respawnTimer);
      this.closeSent = true;
      this.failQueued(closedError());
      this.closePromise = this.worker.terminate().then(() => undefined);
    }
    this.closePromise ??= new Promise<void>((resolve) => {
      this.onClosed = resolve;
      this.cancelLinger();
      this.pump();
    });
    return this.closePromise;
  }

  private refuse(click: ClickRecord, cb: CommitCallback | undefined): void {
    const err = this.closing
      ? closedError()
      : this.unavailable !== null
        ? new OutboxError('CR_ERR_OUTBOX_WRITE', `the outbox cannot be opened: ${this.unavailable}`)
        : new OutboxError('CR_ERR_OUTBOX_QUEUE_FULL', `${this.maxQueued} clicks are already waiting for the outbox writer`);
    this.writeErrors++;
    const now = performance.now();
    queueMicrotask(() => {
      this.report({ count: 1, anonymous: click.anonymous ? 1 : 0, error: err, queuedAt: [now], committedAt: now });
      if (cb) invoke(cb, err);
    });
  }

  private canSend(): boolean {
    return this.ready && !this.closeSent && this.outstanding < this.maxAhead;
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
    if (this.lingerMs === 0 || this.closing || this.ops.length > 0 || r.callbacks.length === 0 || r.callbacks.length >= MAX_BATCH) return 0;
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
    if (r.callbacks.length === 0 && this.ops.length === 0) {
      if (this.closing && this.outstanding === 0) {
        this.closeSent = true;
        this.worker.postMessage({ kind: 'close' });
      }
      return;
    }
    if (this.flushScheduled) return; // a linger timer (or an immediate) will send
    if (this.lingerWait() > 0) {
      this.scheduleFlush();
      return;
    }
    let send = r;
    if (r.callbacks.length > MAX_BATCH) {
      // The oldest MAX_BATCH clicks go now; the rest stay queued for the next round.
      send = new Round();
      send.queue = r.queue.splice(0, MAX_BATCH * CLICK_STRIDE);
      send.callbacks = r.callbacks.splice(0, MAX_BATCH);
      send.queuedAt = r.queuedAt.splice(0, MAX_BATCH);
      for (let at = ANONYMOUS; at < send.queue.length; at += CLICK_STRIDE) if (send.queue[at] === 1) send.anonymous++;
      r.anonymous -= send.anonymous;
    } else {
      this.round = new Round();
    }
    const ops = this.ops;
    this.ops = [];
    for (const o of ops) this.sentOps.add(o.id);
    this.sent.push(send);
    this.sentClicks += send.callbacks.length;
    this.outstanding++;
    this.worker.postMessage({ kind: 'round', batch: send.callbacks.length > 0 ? send.queue : null, ops });
    // More may go at once (durable) or at the next commit; a partial round's rest goes next.
    if (this.round.callbacks.length > 0 || this.ops.length > 0) this.pump();
  }

  private spawn(): void {
    const worker = startWriterWorker(this.boot);
    let lastError = '';
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => {
      lastError = err.message;
    });
    worker.on('exit', (code) => this.onExit(code, lastError));
    this.worker = worker;
    this.ready = false;
  }

  private onMessage(m: FromWorker): void {
    switch (m.kind) {
      case 'committed': {
        const rounds = this.sent.splice(0, m.rounds);
        const err = m.error === null ? null : new OutboxError('CR_ERR_OUTBOX_WRITE', `outbox write failed: ${m.error}`);
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
        if (m.opsFollow) this.awaitingResults.push(m.rounds);
        else this.outstanding -= m.rounds;
        // Next round first: clicks queued during this commit go to the writer before the
        // callbacks run, so the writer is never idle while there is work.
        this.pump();
        if (count > 0) {
          const queuedAt = rounds.length === 1 ? rounds[0]!.queuedAt : rounds.flatMap((r) => r.queuedAt);
          this.report({ count, anonymous, error: err, queuedAt, committedAt: performance.now() });
        }
        for (const r of rounds) for (const cb of r.callbacks) if (cb) invoke(cb, err);
        break;
      }
      case 'results':
        for (const r of m.results) {
          const w = this.waiting.get(r.id);
          this.waiting.delete(r.id);
          this.sentOps.delete(r.id);
          if (r.ok) w?.resolve(r.value as never);
          else w?.reject(new OutboxError('CR_ERR_OUTBOX_WRITE', r.error));
        }
        this.outstanding -= this.awaitingResults.shift() ?? 0;
        this.pump();
        break;
      case 'ready':
        this.ready = true;
        this.everReady = true;
        this.respawnDelay = RESPAWN_MIN_MS;
        this.openFailure = null;
        this.lastCommitFailed = false;
        if (this.onStarted) this.startupNotes = m.notes;
        this.onStarted?.(null);
        this.onStarted = null;
        this.pump();
        break;
      case 'fatal':
        this.openFailure = m.error;
        this.onStarted?.(m.error, m.code);
        this.onStarted = null;
        break; // the thread exits next: onExit
      case 'closed':
        break;
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

  private onExit(code: number, lastError: string): void {
    this.cancelLinger();
    if (!this.everReady && !this.startedUnopened) {
      // open() fails; nothing was queued yet and nobody holds this link.
      this.onStarted?.(lastError || `the writer thread exited with code ${code}`);
      this.onStarted = null;
      this.closeSent = true;
      return;
    }
    const died = new OutboxError('CR_ERR_OUTBOX_WRITER_DIED', `the outbox writer thread exited (code ${code}${lastError ? `: ${lastError}` : ''})`);
    const wasReady = this.ready;
    this.ready = false; // until a new thread says ready
    const sent = this.sent;
    const sentOps = [...this.sentOps];
    this.sent = [];
    this.sentClicks = 0;
    this.sentOps.clear();
    this.outstanding = 0;
    this.awaitingResults = [];
    this.fail(sent, sentOps, died);
    if (this.closing || this.closeSent) {
      this.failQueued(this.closeSent ? closedError() : died);
      this.closeSent = true;
      this.onClosed?.();
      return;
    }
    // A thread that could not even open the database fails what waits for it, so callers
    // get an answer while it keeps being retried.
    if (!wasReady) this.failQueued(died);
    const delay = this.respawnDelay;
    this.respawnDelay = Math.min(RESPAWN_MAX_MS, delay * 2);
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      this.spawn();
    }, delay);
  }

  private failQueued(err: Error): void {
    // Detach first: a callback may record again, and that click belongs to the next attempt.
    const round = this.round;
    const ops = this.ops;
    this.round = new Round();
    this.ops = [];
    this.fail([round], ops.map((o) => o.id), err);
  }

  private fail(rounds: readonly Round[], opIds: readonly number[], err: Error): void {
    const error = err instanceof OutboxError ? err : new OutboxError('CR_ERR_OUTBOX_WRITE', err.message);
    for (const r of rounds) {
      const count = r.callbacks.length;
      if (count === 0) continue;
      this.writeErrors += count;
      this.report({ count, anonymous: r.anonymous, error, queuedAt: r.queuedAt, committedAt: performance.now() });
      for (const cb of r.callbacks) if (cb) invoke(cb, err);
    }
    for (const id of opIds) {
      this.waiting.get(id)?.reject(err);
      this.waiting.delete(id);
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
