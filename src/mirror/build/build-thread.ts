/**
 * The launcher and serving-side client of the mirror thread (build-worker.ts, speaking
 * build-protocol.ts): runs mirror jobs (a build, build-mirror.ts, or a read of mirror.db into
 * a link table) each in a thread of its own and waits for the answer. Starting a thread costs a few tens
 * of milliseconds, negligible beside a sync, and its whole heap goes back to the system
 * when it exits instead of lingering between syncs. A sync that swaps a new file in is two
 * jobs, so the new table is packed after the build's garbage is gone: the build's heap,
 * buffers and SQLite cache and the new table are each about as large as the other, and
 * never add up at the process's peak.
 */
import { installChangedError, MirrorError } from '../errors.js';
import { LinkIndex } from '../table/link-index.js';
import type { MirrorTable } from '../store/mirror-reader.js';
import type { SyncState } from '../store/sync-state.js';
import type { BuildOutcome } from './build-mirror.js';
import { startWorker } from '../../lib/worker-launch.js';
import { fromWire, type BuildJob, type FromBuildThread, type ToBuildThread } from './build-protocol.js';

/**
 * The mirror thread parses pages of links and makes short-lived garbage; a small young
 * generation keeps its heap (and the serving process's peak RSS during a sync) down, at
 * the cost of more, cheaper scavenges in a thread nobody waits on.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** How long an aborted job may take to notice before its thread is terminated. */
const ABORT_GRACE_MS = 5_000;

type Done = Exclude<FromBuildThread, { type: 'failed' | 'progress' }>;

/** Runs one job in a thread of its own; resolves with its answer once the thread has exited. */
function runInThread(job: BuildJob, signal?: AbortSignal, onProgress?: (rows: number) => void): Promise<Done> {
  return new Promise<Done>((resolve, reject) => {
    const worker = startWorker(new URL('./build-worker.js', import.meta.url), { workerData: job, resourceLimits: RESOURCE_LIMITS });
    let settled: { done: Done } | { error: MirrorError } | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    const onAbort = (): void => {
      const m: ToBuildThread = { type: 'abort' };
      worker.postMessage(m);
      // A thread stuck in a synchronous call cannot read the message: do not wait for ever.
      killTimer = setTimeout(() => void worker.terminate(), ABORT_GRACE_MS);
      killTimer.unref();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: FromBuildThread) => {
      if (m.type === 'progress') return onProgress?.(m.rows);
      settled = m.type === 'failed' ? { error: fromWire(m.error) } : { done: m };
    });
    worker.on('error', (err) => {
      // A thread whose entry module is gone (npm ci while serving) fails here, before any message.
      settled ??= { error: installChangedError(err) ?? new MirrorError('CR_ERR_MIRROR_STORE', `the mirror thread failed: ${err.message}`, { cause: err }) };
    });
    // Settle on exit, not on the message: by then the thread has closed its connections and
    // released its SQLite handles, so a caller that syncs again or deletes the data dir
    // finds nothing of this job left open.
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (settled === null) {
        settled = signal?.aborted
          ? { error: new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted') }
          : { error: new MirrorError('CR_ERR_MIRROR_STORE', `the mirror thread exited (code ${code}) without an outcome`) };
      }
      if ('done' in settled) resolve(settled.done);
      else reject(settled.error);
    });
  });
}

/** Syncs mirror.db from `source` in the mirror thread (build-mirror.ts): swapped in, or found unchanged. */
export async function buildInThread(job: BuildJob & { source: NonNullable<BuildJob['source']> }, signal?: AbortSignal, onProgress?: (rows: number) => void): Promise<BuildOutcome> {
  const done = await runInThread(job, signal, onProgress);
  if (done.type !== 'built') throw new MirrorError('CR_ERR_MIRROR_STORE', 'the mirror thread returned no outcome');
  return done.outcome;
}

export interface LoadedMirror {
  index: LinkIndex;
  state: SyncState | null;
  /** Identity of the file that was read. */
  identity: string | null;
}

function loadedMirror(t: MirrorTable): LoadedMirror {
  return { index: new LinkIndex(t.table), state: t.state, identity: t.identity };
}

/** What a read job needs of the build's limits: nothing is built, only an old layout migrated. */
const READ_ONLY_LIMITS = { maxChangeRatio: 1, force: false, maxPages: 0, deadlineMs: 0 };

/**
 * Reads mirror.db into a fresh LinkIndex, in the mirror thread: the serving thread only
 * receives it. A file of the previous layout is migrated first (../store/migrate.ts).
 */
export async function loadMirror(dataDir: string, signal?: AbortSignal, storeDescriptions = false): Promise<LoadedMirror> {
  const done = await runInThread({ dataDir, source: null, startedAt: Date.now(), limits: { ...READ_ONLY_LIMITS, storeDescriptions } }, signal);
  if (done.type !== 'read') throw new MirrorError('CR_ERR_MIRROR_STORE', 'the mirror thread returned no index');
  return loadedMirror(done.loaded);
}
