/**
 * The event loop's end of the writer thread: queues clicks and operations, hands them over one
 * round at a time, runs commit callbacks, and restarts the thread if it dies. Clicks are
 * committed in groups: whenever the writer is idle, everything queued so far goes over in one
 * message and one transaction (one fsync in durable mode). Nothing here touches SQLite, so the
 * event loop never waits for a disk.
 */
import type { Worker } from 'node:worker_threads';
import type { ClickRecord } from '../types.js';
import { CLICK_STRIDE, pushClickColumns } from './columns.js';
import { OutboxError } from './errors.js';
import type { FromWorker, OpMap, OpName, OpRequest, WorkerBoot } from './protocol.js';
import { startWriterWorker } from './worker-launch.js';

export type CommitCallback = (err: Error | null) => void;

/** Clicks per round at most: after a stall, a huge backlog goes over in pieces, so neither the
 *  event loop (cloning the message) nor waiting operations are held up by one giant round. */
const MAX_BATCH = 4096;
const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5000;
const closedError = (): OutboxError => new OutboxError('CR_ERR_OUTBOX_CLOSED', 'the outbox is closed');

export class WriterLink {
  private worker!: Worker;
  private ready = false; // the current thread has opened the database
  private everReady = false;
  private onStarted: ((failure: string | null) => void) | null = null; // until the first thread is ready or failed
  private queue: unknown[] = []; // CLICK_STRIDE column values per queued click
  private callbacks: (CommitCallback | undefined)[] = [];
  private inFlight: (CommitCallback | undefined)[] = [];
  private ops: OpRequest[] = [];
  private sentOps: number[] = [];
  private readonly waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private nextOpId = 1;
  private busy = true; // a round is with the writer, or the writer is starting
  private flushScheduled = false;
  private closing = false;
  private closeSent = false;
  private onClosed: (() => void) | null = null;
  private closePromise: Promise<void> | null = null;
  private respawnDelay = RESPAWN_MIN_MS;
  commits = 0;
  writeErrors = 0;

  private constructor(
    private readonly boot: WorkerBoot,
    private readonly maxQueued: number,
  ) {}

  /** Starts the writer thread; rejects with CR_ERR_OUTBOX_OPEN if it cannot open the database. */
  static start(boot: WorkerBoot, maxQueued: number): Promise<WriterLink> {
    const link = new WriterLink(boot, maxQueued);
    return new Promise((resolve, reject) => {
      link.onStarted = (failure) =>
        failure === null ? resolve(link) : reject(new OutboxError('CR_ERR_OUTBOX_OPEN', `cannot open the outbox in ${boot.dataDir}: ${failure}`));
      link.spawn();
    });
  }

  get queued(): number {
    return this.callbacks.length + this.inFlight.length;
  }

  record(click: ClickRecord, onCommitted?: CommitCallback): void {
    if (this.closing || this.callbacks.length >= this.maxQueued) {
      this.refuse(onCommitted);
      return;
    }
    pushClickColumns(this.queue, click);
    this.callbacks.push(onCommitted);
    if (!this.busy && !this.flushScheduled) this.scheduleFlush();
  }

  call<K extends OpName>(op: K, args: OpMap[K]['args']): Promise<OpMap[K]['result']> {
    if (this.closeSent) return Promise.reject(closedError());
    return new Promise<OpMap[K]['result']>((resolve, reject) => {
      const id = this.nextOpId++;
      this.waiting.set(id, { resolve, reject });
      this.ops.push({ id, op, args } as OpRequest);
      if (!this.busy && !this.flushScheduled) this.scheduleFlush();
    });
  }

  close(): Promise<void> {
    this.closing = true;
    this.closePromise ??= new Promise<void>((resolve) => {
      this.onClosed = resolve;
      this.pump();
    });
    return this.closePromise;
  }

  private refuse(cb: CommitCallback | undefined): void {
    const err = this.closing
      ? closedError()
      : new OutboxError('CR_ERR_OUTBOX_QUEUE_FULL', `${this.maxQueued} clicks are already waiting for the outbox writer`);
    this.writeErrors++;
    if (cb) queueMicrotask(() => cb(err));
  }

  /** Flush at the end of this event-loop turn, so a burst of clicks from one turn is one batch. */
  private scheduleFlush(): void {
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.pump();
  };

  /** Hands everything queued to the writer, if it is idle. */
  private pump(): void {
    if (this.busy || this.closeSent) return;
    if (this.queue.length === 0 && this.ops.length === 0) {
      if (this.closing) {
        this.closeSent = true;
        this.worker.postMessage({ kind: 'close' });
      }
      return;
    }
    let batch: unknown[] | null = null;
    if (this.callbacks.length > MAX_BATCH) {
      batch = this.queue.slice(0, MAX_BATCH * CLICK_STRIDE);
      this.queue = this.queue.slice(MAX_BATCH * CLICK_STRIDE);
      this.inFlight = this.callbacks.slice(0, MAX_BATCH);
      this.callbacks = this.callbacks.slice(MAX_BATCH);
    } else if (this.callbacks.length > 0) {
      batch = this.queue;
      this.inFlight = this.callbacks;
      this.queue = [];
      this.callbacks = [];
    }
    const ops = this.ops;
    this.ops = [];
    this.sentOps = ops.map((o) => o.id);
    this.busy = true;
    this.worker.postMessage({ kind: 'round', batch, ops });
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
        const callbacks = this.inFlight;
        this.inFlight = [];
        const err = m.error === null ? null : new OutboxError('CR_ERR_OUTBOX_WRITE', `outbox write failed: ${m.error}`);
        if (err) this.writeErrors += callbacks.length;
        else this.commits++;
        // Next round first: clicks queued during this commit go to the writer before the
        // callbacks run, so the writer is never idle while there is work.
        if (m.idle) this.idle();
        for (const cb of callbacks) if (cb) invoke(cb, err);
        break;
      }
      case 'results':
        for (const r of m.results) {
          const w = this.waiting.get(r.id);
          this.waiting.delete(r.id);
          if (r.ok) w?.resolve(r.value as never);
          else w?.reject(new OutboxError('CR_ERR_OUTBOX_WRITE', r.error));
        }
        this.sentOps = [];
        this.idle();
        break;
      case 'ready':
        this.ready = true;
        this.everReady = true;
        this.respawnDelay = RESPAWN_MIN_MS;
        this.onStarted?.(null);
        this.onStarted = null;
        this.idle();
        break;
      case 'fatal':
        this.onStarted?.(m.error);
        this.onStarted = null;
        break; // the thread exits next: onExit
      case 'closed':
        break;
    }
  }

  private idle(): void {
    this.busy = false;
    this.pump();
  }

  private onExit(code: number, lastError: string): void {
    if (!this.everReady) {
      // open() fails; nothing was queued yet and nobody holds this link.
      this.onStarted?.(lastError || `the writer thread exited with code ${code}`);
      this.onStarted = null;
      this.closeSent = true;
      return;
    }
    const died = new OutboxError('CR_ERR_OUTBOX_WRITER_DIED', `the outbox writer thread exited (code ${code}${lastError ? `: ${lastError}` : ''})`);
    this.busy = true; // until a new thread says ready
    const inFlight = this.inFlight;
    const sentOps = this.sentOps;
    this.inFlight = [];
    this.sentOps = [];
    this.fail(inFlight, sentOps, died);
    if (this.closing || this.closeSent) {
      this.failQueued(this.closeSent ? closedError() : died);
      this.closeSent = true;
      this.onClosed?.();
      return;
    }
    // A thread that could not even open the database fails what waits for it, so callers
    // get an answer while it keeps being retried.
    if (!this.ready) this.failQueued(died);
    const delay = this.respawnDelay;
    this.respawnDelay = Math.min(RESPAWN_MAX_MS, delay * 2);
    setTimeout(() => this.spawn(), delay);
  }

  private failQueued(err: Error): void {
    // Detach first: a callback may record again, and that click belongs to the next attempt.
    const callbacks = this.callbacks;
    const ops = this.ops;
    this.callbacks = [];
    this.queue = [];
    this.ops = [];
    this.fail(callbacks, ops.map((o) => o.id), err);
  }

  private fail(callbacks: readonly (CommitCallback | undefined)[], opIds: readonly number[], err: Error): void {
    this.writeErrors += callbacks.length;
    for (const cb of callbacks) if (cb) invoke(cb, err);
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
