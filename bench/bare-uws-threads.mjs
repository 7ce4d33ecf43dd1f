// The multi-threaded baseline: N worker threads, each a bare uWebSockets.js app answering every
// GET with a 302 on the same port with SO_REUSEPORT (uSockets' default listen), as clickrelay's
// serving threads do (server.threads). `node bench/bare-uws-threads.mjs <port> <threads>`.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadUws, describeBuild } from '../dist/http/uws.js';

if (isMainThread) {
  const port = Number(process.argv[2] ?? 8090);
  const threads = Math.max(1, Number(process.argv[3] ?? 2));
  let up = 0;
  const workers = [];
  for (let i = 0; i < threads; i++) {
    const w = new Worker(new URL(import.meta.url), { workerData: { port } });
    workers.push(w);
    w.on('message', () => {
      if (++up === threads) process.stdout.write(`bare uws listening on ${port} with ${threads} reuse-port threads\n`);
    });
    w.on('exit', (code) => code !== 0 && process.exit(1));
  }
  // Each thread closes its app before it ends: Node 20 aborts on a worker torn down with uWS handles open.
  process.on('SIGTERM', () => {
    Promise.all(workers.map((w) => new Promise((r) => (w.once('exit', r), w.postMessage('stop'))))).then(() => process.exit(0));
  });
} else {
  const { uws, build } = loadUws({ allowJsFallback: false });
  const app = uws.App();
  parentPort.on('message', () => {
    app.close();
    process.exit(0);
  });
  app
    .get('/*', (res) => {
      res.writeStatus('302 Found').writeHeader('Location', 'https://example.com/').writeHeader('Cache-Control', 'private, no-store').end();
    })
    .listen('127.0.0.1', workerData.port, 0, (ok) => {
      if (!ok) process.exit(1);
      parentPort.postMessage(describeBuild(build));
    });
}
