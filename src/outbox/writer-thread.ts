/**
 * The owner's side of the outbox writer thread: starts it (writer-worker.ts, through
 * lib/worker-launch.ts), restarts it when it dies, and starts without it when the disk is too
 * full to open the database (`startWhenFull`: the thread is retried until it opens). It wires
 * the two kinds of channel: the click channel to its ClickRounds (writer-rounds.ts) and an
 * operations channel per ops line (writer-ops.ts), handed to every thread it starts. The
 * owner's own operations go through such a line too, after the clicks recorded before them.
 */
import { basename } from 'node:path';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker-launch.js';
import { OutboxError, type OutboxErrorCode } from './errors.js';
import { shardFiles } from './shard-files.js';
import { ClickrelayError } from '../errors.js';
import type { FromWorker, LineMessage, OpMap, OpName, ToWorker, WorkerBoot } from './writer-protocol.js';
import { WriterOps } from './writer-ops.js';
import { ClickRounds, closedError, unopenedError } from './writer-rounds.js';

/**
 * One writer per outbox shard, so one per serving thread: its young generation need only hold
 * a commit round's clicks, not the 16 MB V8 gives a worker by default (#22, serving-thread.ts).
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5000;

export class WriterThread {
  readonly rounds: ClickRounds;
  /** The owner's own operations client. */
  private readonly ops: WriterOps;
  /** The supervisor's end of every ops line handed out. */
  private readonly lines = new Set<MessagePort>();
  private worker!: Worker;
  private ready = false; // the current thread has opened the database
  private everReady = false;
  private onStarted: ((failure: string | null, code?: OutboxErrorCode | 'CR_ERR_DATA_PERMISSION') => void) | null = null; // until the first thread is ready or failed
  /** What the first thread reported accepting at open (serve --accept-new-outbox). */
  startupNotes: string[] = [];
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

  private constructor(
    private readonly boot: WorkerBoot,
    maxQueued: number,
    lingerMs: number,
  ) {
    this.rounds = new ClickRounds(boot.durability === 'durable', maxQueued, lingerMs, () => this.unavailable);
    this.ops = new WriterOps(this.opsLine());
  }

  /**
   * Starts the writer thread; rejects with CR_ERR_OUTBOX_OPEN if it cannot open the database.
   * `lingerMs`: how long a click may wait for more to share its round (writer-rounds.ts).
   */
  static start(boot: WorkerBoot, maxQueued: number, lingerMs = 0, startWhenFull = false): Promise<WriterThread> {
    const w = new WriterThread(boot, maxQueued, lingerMs);
    return new Promise((resolve, reject) => {
      w.onStarted = (failure, code) => {
        if (failure === null) return resolve(w);
        if (startWhenFull && code === 'CR_ERR_OUTBOX_WRITE') return resolve(w.unopened(failure));
        w.ops.close();
        if (code === 'CR_ERR_DATA_PERMISSION') return reject(new ClickrelayError(code, failure));
        reject(new OutboxError(code ?? 'CR_ERR_OUTBOX_OPEN', code ? failure : `cannot open the outbox ${boot.shard ? `shard ${basename(shardFiles(boot.dataDir, boot.shard).db)} ` : ''}in ${boot.dataDir}: ${failure}`));
      };
      w.spawn();
    });
  }

  private unopened(failure: string): this {
    this.startedUnopened = true;
    this.openFailure = failure;
    this.tellLines({ kind: 'unavailable', reason: failure });
    return this;
  }

  /** Why the writer cannot open the database right now (disk full); null while it is open. */
  get unavailable(): string | null {
    return this.ready ? null : this.openFailure;
  }

  /**
   * A new ops line: give it (transferred to any thread, or here) to `new WriterOps(line)`. The
   * client is handed every writer thread this supervisor starts until the outbox closes.
   */
  opsLine(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    if (this.closeSent) {
      port1.postMessage({ kind: 'closed' } satisfies LineMessage);
      port1.close();
      return port2;
    }
    this.lines.add(port1);
    if (this.ready) this.connect(port1);
    else if (this.unavailable !== null) port1.postMessage({ kind: 'unavailable', reason: this.unavailable } satisfies LineMessage);
    return port2;
  }

  /** The owner's operation: after the clicks it recorded before it, refused at once when the outbox is closed or cannot be opened. */
  call<K extends OpName>(op: K, args: OpMap[K]['args']): Promise<OpMap[K]['result']> {
    if (this.closeSent) return Promise.reject(closedError());
    if (this.unavailable !== null) return Promise.reject(unopenedError(this.unavailable));
    return new Promise((resolve, reject) => this.rounds.whenSent(() => this.ops.call(op, args).then(resolve, reject)));
  }

  /** Stops accepting clicks, commits everything queued, answers pending calls, closes the writer. */
  close(): Promise<void> {
    this.closing = true;
    if (!this.closeSent && this.unavailable !== null) {
      // No open database to commit into: stop retrying and let go of the thread being tried.
      if (this.respawnTimer) clearTimeout(this.respawnTimer);
      this.closeSent = true;
      this.rounds.stop(closedError());
      this.closePromise = this.worker.terminate().then(() => this.finish());
    }
    this.closePromise ??= new Promise<void>((resolve) => {
      this.onClosed = resolve;
      void this.rounds
        .close()
        .then(() => this.ops.settled())
        .then(() => {
          if (this.closeSent) return; // the thread died meanwhile: onExit closed
          this.closeSent = true;
          this.post({ kind: 'close' });
        });
    });
    return this.closePromise;
  }

  private post(m: ToWorker, transfer?: MessagePort[]): void {
    this.worker.postMessage(m, transfer);
  }

  /** A fresh operations channel between the current writer thread and the client on `line`. */
  private connect(line: MessagePort): void {
    const { port1, port2 } = new MessageChannel();
    this.post({ kind: 'attach', port: port1 }, [port1]);
    line.postMessage({ kind: 'writer', port: port2 } satisfies LineMessage, [port2]);
  }

  private tellLines(m: LineMessage): void {
    for (const line of this.lines) line.postMessage(m);
  }

  private spawn(): void {
    const worker = startWorker(new URL('./writer-worker.js', import.meta.url), { workerData: this.boot, resourceLimits: RESOURCE_LIMITS });
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
      case 'committed':
        this.rounds.committed(m);
        break;
      case 'ready':
        this.ready = true;
        this.everReady = true;
        this.respawnDelay = RESPAWN_MIN_MS;
        this.openFailure = null;
        if (this.onStarted) this.startupNotes = m.notes;
        this.onStarted?.(null);
        this.onStarted = null;
        for (const line of this.lines) this.connect(line);
        this.rounds.writerReady((r) => this.post(r));
        break;
      case 'fatal':
        this.openFailure = m.error;
        this.onStarted?.(m.error, m.code);
        this.onStarted = null;
        if (this.everReady || this.startedUnopened) this.tellLines({ kind: 'unavailable', reason: m.error });
        break; // the thread exits next: onExit
      case 'closed':
        break;
    }
  }

  private onExit(code: number, lastError: string): void {
    if (!this.everReady && !this.startedUnopened) {
      // open() fails; nothing was queued yet and nobody holds this thread.
      this.onStarted?.(lastError || `the writer thread exited with code ${code}`);
      this.onStarted = null;
      this.closeSent = true;
      this.finish();
      return;
    }
    const died = new OutboxError('CR_ERR_OUTBOX_WRITER_DIED', `the outbox writer thread exited (code ${code}${lastError ? `: ${lastError}` : ''})`);
    const wasReady = this.ready;
    this.ready = false; // until a new thread says ready
    this.rounds.writerGone(died);
    // A thread that could not even open the database fails what waits for it, so callers
    // get an answer while it keeps being retried. (After close was sent, the thread answered
    // every call it had before it exited: finish() tells the clients.)
    if (!this.closeSent) this.tellLines({ kind: 'down', code: died.code, error: died.message, failWaiting: !wasReady });
    if (this.closing || this.closeSent) {
      this.rounds.stop(this.closeSent ? closedError() : died);
      this.closeSent = true;
      this.finish();
      return;
    }
    if (!wasReady) this.rounds.failQueued(died);
    const delay = this.respawnDelay;
    this.respawnDelay = Math.min(RESPAWN_MAX_MS, delay * 2);
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      this.spawn();
    }, delay);
  }

  /** The outbox is closed: every ops client is told, and close() resolves. */
  private finish(): void {
    this.tellLines({ kind: 'closed' });
    for (const line of this.lines) line.close();
    this.lines.clear();
    this.onClosed?.();
    this.onClosed = null;
  }
}
