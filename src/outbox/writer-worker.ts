/**
 * The writer thread: owns the only write connection to outbox.db, so an fsync blocks this
 * thread and never the event loop. Started by worker-launch.ts; speaks protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, OpRequest, OpResult, ToWorker, WorkerBoot } from './protocol.js';
import { OutboxStore } from './store.js';

const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

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
      case 'limitPages':
        return { id: r.id, ok: true, value: store.limitPages(r.args) };
    }
  } catch (err) {
    return { id: r.id, ok: false, error: message(err) };
  }
}

function main(): void {
  const boot = workerData as WorkerBoot;
  let store: OutboxStore;
  try {
    store = new OutboxStore(boot.dataDir, boot.durability);
  } catch (err) {
    post({ kind: 'fatal', error: message(err) });
    return;
  }
  port.on('message', (m: ToWorker) => {
    if (m.kind === 'close') {
      try {
        store.close();
      } finally {
        post({ kind: 'closed' });
        port.close();
      }
      return;
    }
    if (m.batch) {
      let error: string | null = null;
      let count = 0;
      try {
        count = store.insertBatch(m.batch);
      } catch (err) {
        error = message(err);
      }
      // Answer first: the waiting requests are released while the head file is written.
      post({ kind: 'committed', count, error, idle: m.ops.length === 0 });
      if (error === null) {
        try {
          store.writeHead();
        } catch {
          // A lagging head is allowed; the next commit writes it again.
        }
      }
    }
    if (m.ops.length > 0) post({ kind: 'results', results: m.ops.map((r) => runOp(store, r)), idle: true });
  });
  post({ kind: 'ready', lastSeq: store.head.seq });
}

main();
