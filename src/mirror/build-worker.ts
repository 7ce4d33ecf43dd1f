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
import { buildMirror } from './build.js';
import { toWire, type BuildJob, type FromBuildThread, type ToBuildThread } from './build-protocol.js';
import { toMirrorError } from './errors.js';
import { MainSystemClient } from './http-client.js';
import { fileSource } from './sources/file-source.js';
import { httpSource } from './sources/http-source.js';
import type { LinkSource } from './sources/types.js';

const job = workerData as BuildJob;
const port = parentPort!;
const stop = new AbortController();
port.on('message', (m: ToBuildThread) => {
  if (m.type === 'abort') stop.abort();
});

const reply = (m: FromBuildThread): void => port.postMessage(m);
let client: MainSystemClient | null = null;
try {
  let source: LinkSource;
  if (job.source.kind === 'http') {
    const s = job.source;
    client = new MainSystemClient({ baseUrl: s.baseUrl, apiKey: new ApiKey(s.apiKey, 'sync thread'), timeoutMs: s.timeoutMs });
    source = httpSource(client, s.pageSize);
  } else {
    source = fileSource(job.source.path);
  }
  const outcome = await buildMirror(source, { dataDir: job.dataDir, signal: stop.signal, startedAt: job.startedAt });
  reply({ type: 'done', outcome });
} catch (err) {
  reply({ type: 'failed', error: toWire(toMirrorError(err, job.source.kind === 'http' ? job.source.apiKey : undefined)) });
} finally {
  await client?.close();
  port.close(); // nothing else keeps the thread alive: it exits
}
