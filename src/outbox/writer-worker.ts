/**
 * The writer thread: owns the only write connection to outbox.db, so an fsync blocks this
 * thread and never the event loop. Started by worker-launch.ts; speaks protocol.ts.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { describeCause } from '../errors.js';
import type { FromWorker, OpRequest, OpResult, ToWorker, WorkerBoot } from './writer-protocol.js';
import { CLICK_STRIDE } from './columns.js';
import { OutboxError } from './errors.js';
import { OutboxStore } from './store.js';

const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);
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
      case 'stats':
        return { id: r.id, ok: true, value: store.stats() };
      case 'probe':
        return { id: r.id, ok: true, value: store.probe() };
      case 'limitPages':
        return { id: r.id, ok: true, value: store.limitPages(r.args) };
    }
  } catch (err) {
    return { id: r.id, ok: false, error: message(err) };
  }
}

/**
 * outbox.head is rewritten at most this often while clicks commit (and always at close), not
 * after every commit: a temp file + rename per commit is a large share of the writer thread's
 * time under load (README, Benchmarks). The head may lag the database (the audit accepts a lagging head: it only proves
 * the database was not cut back further), and it never leads it: the timer writes the tip of
 * the last commit that succeeded.
 */
const HEAD_WRITE_INTERVAL_MS = 100;

/** One transaction takes further waiting rounds only while it holds fewer clicks than this. */
const MAX_GROUP_VALUES = 8192 * CLICK_STRIDE;

function main(): void {
  const boot = workerData as WorkerBoot;
  let store: OutboxStore;
  try {
    store = new OutboxStore(boot.dataDir, boot.durability, boot.acceptNewOutbox ?? false);
  } catch (err) {
    post({ kind: 'fatal', error: message(err), ...(err instanceof OutboxError ? { code: err.code } : {}) });
    return;
  }
  let headTimer: NodeJS.Timeout | null = null;
  const writeHeadSoon = (): void => {
    headTimer ??= setTimeout(() => {
      headTimer = null;
      try {
        store.writeHead(); // the tip of the last commit that succeeded
      } catch {
        // A lagging head is allowed; the next commit schedules another write.
      }
    }, HEAD_WRITE_INTERVAL_MS);
  };
  const close = (): void => {
    if (headTimer) clearTimeout(headTimer);
    headTimer = null;
    try {
      store.close(); // writes (and fsyncs) the head of the last commit
    } finally {
      post({ kind: 'closed' });
      port.close();
    }
  };
  port.on('message', (first: ToWorker) => {
    if (first.kind === 'close') return close();
    // Group commit: every round already waiting joins this transaction (the event loop sends
    // rounds while a commit runs, so the next group is ready the moment this one ends).
    const batches: unknown[][] = [];
    const ops: OpRequest[] = [];
    let rounds = 0;
    let values = 0;
    let closeAfter = false;
    for (let m: ToWorker | undefined = first; m !== undefined; ) {
      if (m.kind === 'close') {
        closeAfter = true; // not sent while rounds are unanswered; if it were, it still goes last
        break;
      }
      rounds++;
      if (m.batch) {
        batches.push(m.batch);
        values += m.batch.length;
      }
      for (const op of m.ops) ops.push(op);
      // Rounds left in the queue (after a stall) start the next group instead.
      m = values < MAX_GROUP_VALUES ? (receiveMessageOnPort(port)?.message as ToWorker | undefined) : undefined;
    }
    let error: string | null = null;
    let count = 0;
    if (batches.length > 0) {
      try {
        count = store.insertBatches(batches);
      } catch (err) {
        error = message(err);
      }
    }
    // Answer first: the waiting redirects are released before the operations run.
    post({ kind: 'committed', rounds, count, error, opsFollow: ops.length > 0 });
    if (count > 0) writeHeadSoon();
    if (ops.length > 0) post({ kind: 'results', results: ops.map((r) => runOp(store, r)) });
    if (closeAfter) close();
  });
  post({ kind: 'ready', lastSeq: store.head.seq, notes: store.startupNotes });
}

main();
