/**
 * Runs one mirror job (a build, build.ts, and/or a read of mirror.db into a link table) in
 * its own thread and waits for its result. A new thread per job: starting one costs a few tens of milliseconds, negligible beside a
 * sync, and its whole heap is returned to the system when it exits instead of lingering
 * in a long-lived thread between syncs (measured, 1M links: the process peaks at +76 MiB
 * while the thread builds and keeps +27 MiB after it exits, against ~165 MiB for the
 * index itself).
 */
import { fromWire, type BuildJob, type BuildResult, type FromBuildThread, type ToBuildThread } from './build-protocol.js';
import { MirrorError } from './errors.js';
import { LinkIndex } from './link-index.js';
import type { MirrorTable, SyncState } from './store.js';
import { startBuildWorker } from './worker-launch.js';

/** How long an aborted build may take to notice before its thread is terminated. */
const ABORT_GRACE_MS = 5_000;

export function buildInThread(job: BuildJob, signal?: AbortSignal): Promise<BuildResult> {
  return new Promise<BuildResult>((resolve, reject) => {
    const worker = startBuildWorker(job);
    let settled: { result: BuildResult } | { error: MirrorError } | null = null;
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
      settled = m.type === 'done' ? { result: { outcome: m.outcome, loaded: m.loaded, loadError: m.loadError } } : { error: fromWire(m.error) };
    });
    worker.on('error', (err) => {
      settled ??= { error: new MirrorError('CR_ERR_MIRROR_STORE', `the sync thread failed: ${err.message}`, { cause: err }) };
    });
    // Settle on exit, not on the message: by then the thread has closed its connections and
    // released its SQLite handles, so a caller that syncs again or deletes the data dir
    // finds nothing of this build left open.
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (settled === null) {
        settled = signal?.aborted
          ? { error: new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted') }
          : { error: new MirrorError('CR_ERR_MIRROR_STORE', `the sync thread exited (code ${code}) without an outcome`) };
      }
      if ('result' in settled) resolve(settled.result);
      else reject(settled.error);
    });
  });
}

export interface LoadedMirror {
  index: LinkIndex;
  state: SyncState | null;
  /** Identity of the file that was read. */
  identity: string | null;
}

export function loadedMirror(t: MirrorTable): LoadedMirror {
  return { index: new LinkIndex(t.table), state: t.state, identity: t.identity };
}

/** Reads mirror.db into a fresh LinkIndex, in the mirror thread: the serving thread only receives it. */
export async function loadMirror(dataDir: string, signal?: AbortSignal): Promise<LoadedMirror> {
  const { loaded } = await buildInThread({ dataDir, source: null, readTable: true, startedAt: Date.now() }, signal);
  // With no source, a failed read fails the job itself: `loaded` is there.
  if (!loaded) throw new MirrorError('CR_ERR_MIRROR_STORE', 'the mirror thread returned no index');
  return loadedMirror(loaded);
}
