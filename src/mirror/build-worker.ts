/**
 * The sync thread: fetches, parses, validates and writes one mirror build (build.ts),
 * then reports the outcome and exits. Everything a full sync costs besides the new
 * index — measured on a 1M-link re-sync: 20,000 ~10 ms slices of parse + validate +
 * insert, and one ~900 ms synchronous stretch for the diff query and the fsync — happens
 * here, where it cannot delay a redirect. The thread's heap dies with it, so the
 * garbage a build makes never stays in the serving process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiKey } from './api-key.js';
import { buildMirror, type BuildOutcome } from './build.js';
import { toWire, type BuildJob, type FromBuildThread, type ToBuildThread, type WireError } from './build-protocol.js';
import { toMirrorError } from './errors.js';
import { MainSystemClient } from './http-client.js';
import { fileSource } from './sources/file-source.js';
import { httpSource } from './sources/http-source.js';
import type { LinkSource } from './sources/types.js';
import { readMirrorTable, type MirrorTable } from './store.js';
import { MIRROR_THREAD_NICE, niceThisThread } from './thread-priority.js';

const job = workerData as BuildJob;
niceThisThread(MIRROR_THREAD_NICE); // redirects first; the sync takes what is left
const port = parentPort!;
const stop = new AbortController();
port.on('message', (m: ToBuildThread) => {
  if (m.type === 'abort') stop.abort();
});

const reply = (m: FromBuildThread, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
let client: MainSystemClient | null = null;
try {
  let outcome: BuildOutcome | null = null;
  if (job.source) {
    let source: LinkSource;
    if (job.source.kind === 'http') {
      const s = job.source;
      client = new MainSystemClient({ baseUrl: s.baseUrl, apiKey: new ApiKey(s.apiKey, 'sync thread'), timeoutMs: s.timeoutMs });
      source = httpSource(client, s.pageSize);
    } else {
      source = fileSource(job.source.path);
    }
    outcome = await buildMirror(source, { dataDir: job.dataDir, signal: stop.signal, startedAt: job.startedAt });
  }
  // The index is read here too, so the serving thread only swaps it in: ~1.5 s of CPU and
  // ~70 MB for 1M links, none of it on the thread that answers redirects.
  let loaded: MirrorTable | null = null;
  let loadError: WireError | null = null;
  if (job.readTable && outcome?.kind !== 'unchanged') {
    try {
      loaded = readMirrorTable(job.dataDir);
    } catch (err) {
      if (!outcome) throw err;
      loadError = toWire(toMirrorError(err, undefined)); // swapped, but not readable back: the caller says so
    }
  }
  reply({ type: 'done', outcome, loaded, loadError }, loaded ? [loaded.table.arena, loaded.table.slots] : []);
} catch (err) {
  reply({ type: 'failed', error: toWire(toMirrorError(err, job.source?.kind === 'http' ? job.source.apiKey : undefined)) });
} finally {
  await client?.close();
  port.close(); // nothing else keeps the thread alive: it exits
}
