/**
 * The writer thread: owns the only write connection to one outbox shard (outbox.db for shard 0), so an fsync blocks this
 * thread and never the event loop. Started by writer-thread.ts; speaks writer-protocol.ts:
 * click rounds on its parentPort (from the owning thread only), operations on each port it is
 * handed by `attach` (from any thread).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { ClickrelayError, describeCause } from '../errors.js';
import type { FromWorker, OpRequest, OpResult, ToWorker, WorkerBoot } from './writer-protocol.js';
import { CLICK_STRIDE } from './columns.js';
import { OutboxError, type OutboxErrorCode } from './errors.js';
import { HeadWriter } from './head.js';
import { OutboxStore } from './store.js';

const clicks = parentPort!;
const post = (m: FromWorker): void => clicks.postMessage(m);
// With its code: SQLite's messages ("unable to open database file") do not name it.
const message = describeCause;

function runOp(store: OutboxStore, r: OpRequest): OpResult {
  try {
    switch (r.op) {
      case 'takePending':
        return { id: r.id, ok: true, value: store.takePending(r.args) };
      case 'ackShipped':
        return { id: r.id, ok: true, value: store.ackShipped(r.args) };
      case 'noteAttempt':
        return { id: r.id, ok: true, value: store.noteAttempt(r.args) };
      case 'deadLetter':
        return { id: r.id, ok: true, value: store.deadLetter(r.args) };
      case 'requeueDead':
        return { id: r.id, ok: true, value: store.requeueDead(r.args) };
      case 'purgeStep':
        return { id: r.id, ok: true, value: store.purgeStep(r.args) };
      case 'changedOutside':
        return { id: r.id, ok: true, value: store.changedOutside() };
      case 'stats':
        return { id: r.id, ok: true, value: store.stats() };
      case 'probe':
        return { id: r.id, ok: true, value: store.probe() };
    }
  } catch (err) {
    return { id: r.id, ok: false, error: message(err) };
  }
}

/**
 * outbox.head is rewritten after every commit that stored clicks, before the redirects
 * waiting for it are released: in place over the file's own blocks (head.ts HeadWriter, a
 * few µs), where a temp file + rename per commit had cost the writer ~15% of its time. So a
 * tail lost after a crash (a damaged last WAL commit) leaves the head ahead of the database,
 * which the next open and the audit report. It never leads the database: it follows the commit.
 */
/** One transaction takes further waiting rounds only while it holds fewer clicks than this. */
const MAX_GROUP_VALUES = 8192 * CLICK_STRIDE;

function main(): void {
  const boot = workerData as WorkerBoot;
  let store: OutboxStore;
  try {
    store = new OutboxStore(boot.dataDir, boot.durability, boot.acceptNewOutbox ?? false, boot.shard ?? 0);
  } catch (err) {
    // A file this user may not open keeps its own code: it is not the outbox's fault.
    const code = err instanceof OutboxError ? err.code : err instanceof ClickrelayError && err.code === 'CR_ERR_DATA_PERMISSION' ? err.code : undefined;
    post({ kind: 'fatal', error: message(err), ...(code ? { code } : {}) });
    return;
  }
  const heads = new HeadWriter(boot.dataDir, boot.shard ?? 0);
  const writeHeadNow = (): void => {
    try {
      heads.write(store.head); // the tip of the commit that just succeeded
    } catch {
      // A lagging head is allowed; the next commit writes it again.
      heads.close();
    }
  };
  const opsPorts = new Set<MessagePort>();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    heads.close();
    // Operations already sent are answered before the database closes.
    for (const ops of opsPorts) for (let m = receiveMessageOnPort(ops); m !== undefined; m = receiveMessageOnPort(ops)) ops.postMessage(runOp(store, m.message as OpRequest));
    try {
      store.close(); // writes (and fsyncs) the head of the last commit
    } finally {
      post({ kind: 'closed' });
      for (const ops of opsPorts) ops.close();
      clicks.close();
    }
  };
  /**
   * Group commit: every round already waiting (from `first` on) joins one transaction (the
   * owner sends rounds while a commit runs, so the next group is ready the moment this one
   * ends). Returns how many rounds it took, and whether `close` came after them.
   */
  const commitGroup = (first: ToWorker | undefined): { rounds: number; closeAfter: boolean } => {
    const batches: unknown[][] = [];
    let rounds = 0;
    let values = 0;
    let closeAfter = false;
    const next = (): ToWorker | undefined => receiveMessageOnPort(clicks)?.message as ToWorker | undefined;
    for (let m: ToWorker | undefined = first ?? next(); m !== undefined; ) {
      if (m.kind === 'close') {
        closeAfter = true; // not sent while rounds are unanswered; if it were, it still goes last
        break;
      }
      if (m.kind === 'attach') attach(m.port);
      else {
        rounds++;
        batches.push(m.batch);
        values += m.batch.length;
      }
      // Rounds left in the queue (after a stall) start the next group instead.
      m = values < MAX_GROUP_VALUES ? next() : undefined;
    }
    if (rounds === 0) return { rounds, closeAfter };
    let error: string | null = null;
    let code: OutboxErrorCode | undefined;
    let count = 0;
    try {
      count = store.insertBatches(batches);
    } catch (err) {
      error = message(err);
      if (isKeyCollision(err)) {
        // Not a full disk but a bug: a position or click_id already taken, which only another
        // writer on this file (or a wrong tip) explains. The clicks are not stored (their
        // callbacks get the error); the tip is read again so the next commit does not collide too.
        code = 'CR_ERR_OUTBOX_COLLISION';
        error = `a key collision, not a full disk: another writer on ${boot.dataDir} or a bug (${error}); the clicks of this commit are not stored`;
        store.reloadTip();
      }
    }
    // The head first (a pwrite), then the answer that releases the waiting redirects: an
    // answered click is always covered by the head.
    if (count > 0) writeHeadNow();
    post({ kind: 'committed', rounds, count, error, ...(code ? { code } : {}) });
    return { rounds, closeAfter };
  };
  const attach = (ops: MessagePort): void => {
    opsPorts.add(ops);
    ops.on('message', (r: OpRequest) => {
      if (closed) return;
      // The click rounds already waiting commit first: an operation the owner sent after its
      // round sees that round's clicks.
      let closeAfter = false;
      for (;;) {
        const g = commitGroup(undefined);
        closeAfter = g.closeAfter;
        if (closeAfter || g.rounds === 0) break;
      }
      ops.postMessage(runOp(store, r));
      if (closeAfter) close();
    });
  };
  clicks.on('message', (first: ToWorker) => {
    if (closed) return;
    if (first.kind === 'close') return close();
    if (commitGroup(first).closeAfter) close();
  });
  post({ kind: 'ready', lastSeq: store.head.seq, notes: store.startupNotes });
}

/** SQLite refused the insert for a PRIMARY KEY (seq) or UNIQUE (click_id) already present. */
function isKeyCollision(err: unknown): boolean {
  const c = (err as { code?: unknown }).code;
  return c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === 'SQLITE_CONSTRAINT_UNIQUE';
}

main();
