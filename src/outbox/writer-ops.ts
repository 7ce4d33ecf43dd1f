/**
 * The operations client of an outbox writer (take, ack, dead letters, purge, stats, probe):
 * calls go straight to the writer thread on a channel of their own, never through the click
 * rounds, so any thread can reach a writer whichever thread owns it.
 *
 * A client is made from an ops line, the MessagePort WriterThread.opsLine() returns (it may be
 * transferred to another thread first). On the line the owner's supervisor hands over the
 * port of each writer thread it starts, and says when that thread died, when the database
 * cannot be opened and when the outbox closed (writer-protocol.ts, LineMessage). Calls made
 * while no writer is there wait for the next one, unless the database cannot be opened (they
 * fail with CR_ERR_OUTBOX_WRITE) or the outbox is closed (CR_ERR_OUTBOX_CLOSED).
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { OutboxError } from './errors.js';
import type { LineMessage, OpMap, OpName, OpRequest, OpResult } from './writer-protocol.js';
import { closedError, unopenedError } from './writer-rounds.js';

interface Waiter {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
}

export class WriterOps {
  private writer: MessagePort | null = null;
  /** Why the database cannot be opened (calls fail meanwhile); null while it can. */
  private unopened: string | null = null;
  private closed = false;
  private nextId = 1;
  /** Calls sent to the current writer, by id. */
  private readonly sent = new Map<number, Waiter>();
  /** Calls waiting for a writer. */
  private waiting: { req: OpRequest; waiter: Waiter }[] = [];
  private onSettled: (() => void)[] = [];

  /** `line`: an ops line from WriterThread.opsLine(), in this thread or transferred to it. */
  constructor(private readonly line: MessagePort) {
    line.on('message', (m: LineMessage) => this.onLine(m));
    line.on('close', () => this.onLine({ kind: 'closed' }));
  }

  /** Runs one operation in the writer thread. */
  call<K extends OpName>(op: K, args: OpMap[K]['args']): Promise<OpMap[K]['result']> {
    if (this.closed) return Promise.reject(closedError());
    if (this.writer === null && this.unopened !== null) return Promise.reject(unopenedError(this.unopened));
    return new Promise<OpMap[K]['result']>((resolve, reject) => {
      const req = { id: this.nextId++, op, args } as OpRequest;
      const waiter = { resolve, reject } as Waiter;
      if (this.writer) this.send(this.writer, req, waiter);
      else this.waiting.push({ req, waiter });
    });
  }

  /** Calls not answered yet. */
  get pending(): number {
    return this.sent.size + this.waiting.length;
  }

  /** Resolves once no call is unanswered (at once when none is). */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.onSettled.push(resolve));
  }

  /** Lets go of the line: calls still unanswered fail with CR_ERR_OUTBOX_CLOSED. */
  close(): void {
    this.onLine({ kind: 'closed' });
  }

  private send(writer: MessagePort, req: OpRequest, waiter: Waiter): void {
    this.sent.set(req.id, waiter);
    writer.postMessage(req);
  }

  private onLine(m: LineMessage): void {
    if (this.closed) return;
    switch (m.kind) {
      case 'writer': {
        this.dropWriter(null);
        this.unopened = null;
        this.writer = m.port;
        m.port.on('message', (r: OpResult) => this.answer(r));
        const waiting = this.waiting;
        this.waiting = [];
        for (const w of waiting) this.send(m.port, w.req, w.waiter);
        break;
      }
      case 'down': {
        const err = new OutboxError(m.code, m.error);
        this.dropWriter(err);
        if (m.failWaiting) this.failWaiting(err);
        break;
      }
      case 'unavailable':
        this.unopened = m.reason;
        this.failWaiting(unopenedError(m.reason));
        break;
      case 'closed':
        this.closed = true;
        this.dropWriter(closedError());
        this.failWaiting(closedError());
        this.line.close();
        break;
    }
    this.checkSettled();
  }

  /** Forgets the current writer; answers it already sent are taken first, the rest fail with `err`. */
  private dropWriter(err: Error | null): void {
    const w = this.writer;
    if (!w) return;
    this.writer = null;
    for (let m = receiveMessageOnPort(w); m !== undefined; m = receiveMessageOnPort(w)) this.answer(m.message as OpResult);
    w.close();
    const sent = [...this.sent.values()];
    this.sent.clear();
    for (const s of sent) s.reject(err ?? closedError());
  }

  private failWaiting(err: Error): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.waiter.reject(err);
  }

  private answer(r: OpResult): void {
    const w = this.sent.get(r.id);
    if (!w) return;
    this.sent.delete(r.id);
    if (r.ok) w.resolve(r.value as never);
    else w.reject(new OutboxError('CR_ERR_OUTBOX_WRITE', r.error));
    this.checkSettled();
  }

  private checkSettled(): void {
    if (this.pending > 0 || this.onSettled.length === 0) return;
    const done = this.onSettled;
    this.onSettled = [];
    for (const d of done) d();
  }
}
