/** Starts the outbox writer thread (writer-worker.ts); see src/worker-launch.ts for how. */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker-launch.js';
import type { WorkerBoot } from './writer-protocol.js';

export function startWriterWorker(boot: WorkerBoot): Worker {
  return startWorker(new URL('./writer-worker.js', import.meta.url), { workerData: boot });
}
