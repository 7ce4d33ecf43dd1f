/** Starts the mirror thread (worker-main.ts); see src/worker-launch.ts for how. */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../lib/worker-launch.js';

/**
 * The mirror thread parses pages of links and makes short-lived garbage; a small young
 * generation keeps its heap (and the serving process's peak RSS during a sync) down, at
 * the cost of more, cheaper scavenges in a thread nobody waits on.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 };

export function startBuildWorker(workerData: object): Worker {
  return startWorker(new URL('./build-worker.js', import.meta.url), { workerData, resourceLimits: RESOURCE_LIMITS });
}
