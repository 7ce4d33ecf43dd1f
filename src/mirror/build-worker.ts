/**
 * The mirror thread: runs one job and exits. A build fetches, parses, validates and
 * writes a new mirror.db (build.ts); a read packs mirror.db into a link table and
 * transfers it to the serving thread. Everything a full sync costs (measured on a 1M-link
 * re-sync: 20,000 ~10 ms slices of parse + validate + insert, one ~900 ms synchronous
 * stretch for the diff query and the fsync, then ~2 s to pack the table) happens in such
 * threads, where it cannot delay a redirect. A thread's heap dies with it, so the garbage
 * a sync makes never stays in the serving process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire, type BuildJob, type FromBuildThread, type ToBuildThread } from './build-protocol.js';
import { toMirrorError } from './errors.js';
import type { OpenedSource } from './sources/from-spec.js';
import { migrateOldMirror } from './migrate.js';
import { readMirrorTable } from './store.js';
import { MIRROR_THREAD_NICE, niceThisThread } from './thread-priority.js';

const job = workerData as BuildJob;
niceThisThread(MIRROR_THREAD_NICE); // redirects first; the sync takes what is left
const port = parentPort!;
const stop = new AbortController();
port.on('message', (m: ToBuildThread) => {
  if (m.type === 'abort') stop.abort();
});

const reply = (m: FromBuildThread, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
let opened: OpenedSource | null = null;
try {
  if (job.source) {
    // Imported here, not above: a read job's thread never loads undici, the parsers or the builder.
    const [{ openSource }, { buildMirror }] = await Promise.all([import('./sources/from-spec.js'), import('./build.js')]);
    opened = await openSource(job.source);
    reply({ type: 'built', outcome: await buildMirror(opened.source, { dataDir: job.dataDir, signal: stop.signal, startedAt: job.startedAt, limits: job.limits, ...(job.progress ? { onProgress: (rows: number) => reply({ type: 'progress', rows }) } : {}) }) });
  } else {
    // A mirror.db of the previous layout is rewritten first (once), here rather than on
    // the serving thread: it is a whole rebuild.
    migrateOldMirror(job.dataDir, { storeDescriptions: job.limits.storeDescriptions });
    // ~2 s of CPU and ~50 MB for 1M links, none of it on the thread that answers redirects.
    const loaded = readMirrorTable(job.dataDir);
    reply({ type: 'read', loaded }, [loaded.table.arena, loaded.table.slots]);
  }
} catch (err) {
  reply({ type: 'failed', error: toWire(toMirrorError(err, job.source?.kind === 'http' ? job.source.apiKey : job.source?.kind === 'postgres' ? job.source.password : undefined)) });
} finally {
  await opened?.close();
  port.close(); // nothing else keeps the thread alive: it exits
}
