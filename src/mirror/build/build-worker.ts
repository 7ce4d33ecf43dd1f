/**
 * The mirror thread: runs one job and exits. A build fetches, parses, validates and
 * writes a new mirror.db (build-mirror.ts); a read packs mirror.db into a link table and
 * transfers it to the serving thread. Everything a full sync costs (parsing, validating
 * and inserting every row, the diff query and the fsync, packing the table: seconds of
 * CPU for a million links) happens in such threads, where it cannot delay a redirect. A
 * thread's heap dies with it, so the garbage a sync makes never stays in the serving
 * process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { OpenedLinkSource } from '../ports.js';
import { toMirrorError } from '../errors.js';
import { migrateOldMirror } from '../store/migrate.js';
import { readMirrorTable } from '../store/mirror-reader.js';
import { toWire, type BuildJob, type FromBuildThread, type ToBuildThread } from './build-protocol.js';
import { MIRROR_THREAD_NICE, niceThisThread } from './thread-priority.js';

const job = workerData as BuildJob;
niceThisThread(MIRROR_THREAD_NICE); // redirects first; the sync takes what is left
const port = parentPort!;
const stop = new AbortController();
port.on('message', (m: ToBuildThread) => {
  if (m.type === 'abort') stop.abort();
});

const reply = (m: FromBuildThread, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
let opened: OpenedLinkSource | null = null;
try {
  if (job.source) {
    // Imported here, not above: a read job's thread never loads the source's adapter or the builder.
    const [{ openLinkSource }, { buildMirror }] = await Promise.all([
      import(job.source.module) as Promise<{ openLinkSource(settings: unknown): Promise<OpenedLinkSource> }>,
      import('./build-mirror.js'),
    ]);
    opened = await openLinkSource(job.source.settings);
    reply({ type: 'built', outcome: await buildMirror(opened.source, { dataDir: job.dataDir, signal: stop.signal, startedAt: job.startedAt, limits: job.limits, ...(job.progress ? { onProgress: (rows: number) => reply({ type: 'progress', rows }) } : {}) }) });
  } else {
    // A mirror.db of the previous layout is rewritten first (once), here rather than on
    // the serving thread: it is a whole rebuild.
    migrateOldMirror(job.dataDir, { storeDescriptions: job.limits.storeDescriptions });
    // Seconds of CPU for a million links: none of it on the thread that answers redirects.
    const loaded = readMirrorTable(job.dataDir);
    reply({ type: 'read', loaded }); // the table is in SharedArrayBuffers: posted, not copied
  }
} catch (err) {
  reply({ type: 'failed', error: toWire(toMirrorError(err, job.source?.secret)) });
} finally {
  await opened?.close();
  port.close(); // nothing else keeps the thread alive: it exits
}
