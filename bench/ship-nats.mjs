// Draining an outbox backlog into NATS JetStream (the click-sink port's NATS adapter, src/nats:
// one message per click, Nats-Msg-Id = click_id, delivered on its PubAck), then, in the same
// run, the PostgreSQL and HTTP drains of bench/ship-pg.mjs, so the three sit side by side.
// Also measures the client's own js.publish() (a promise and a timer per message, awaited with
// the same number in flight) against the sink's one-subscription pipeline on a bare connection.
//   npm run bench:ship-nats                        (50,000 clicks each way)
//   BENCH_CLICKS=200000 BENCH_BATCH_SIZE=500 BENCH_CONCURRENCY=4 BENCH_IN_FLIGHT=512 npm run bench:ship-nats
//   BENCH_NATS_ONLY=1 npm run bench:ship-nats     (skip PostgreSQL and HTTP)
// The server is the tests' throwaway one (test/support/nats.ts: Debian's nats-server, JetStream
// with file storage in a temp folder, its default sync every 2 minutes), on this machine.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, createInbox, headers } from '@nats-io/transport-node';
import { benchClick, fillOutbox, tempDir } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_CLICKS ?? 50_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 512);
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

const { startNats, NATS_STREAM, NATS_SUBJECT } = await import(pathToFileURL(join(root, 'test/support/nats.ts')).href);
const { Outbox } = await dist('outbox/index.js');
const { newClickId } = await dist('outbox/click-id.js');
const { createShipper } = await dist('shipper/index.js');
const { openNatsClickSink } = await dist('nats/index.js');
const { clickJson } = await dist('lib/click-json.js');

async function drainToNats(server) {
  const dir = tempDir('clickrelay-ship-nats-');
  const outbox = await Outbox.open({ dataDir: join(dir, 'data'), durability: 'fast', commitIntervalMs: 5 });
  await fillOutbox(outbox, N, newClickId);
  const sink = openNatsClickSink({ url: server.url, subject: NATS_SUBJECT, stream: NATS_STREAM, credentials_file: '', create_stream: false, timeout_ms: 30_000, max_in_flight: IN_FLIGHT }, {});
  const shipper = createShipper({ outbox, sink, mode: 'batch', batchSize: BATCH_SIZE, lingerMs: 200, concurrency: CONCURRENCY, maxBackoffMs: 5_000 });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const r = await shipper.drain({ timeoutMs: 900_000 });
  const s = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const st = shipper.stats();
  await shipper.stop({ graceMs: 1000 });
  await outbox.close();
  const stored = await server.messageCount();
  execFileSync('rm', ['-rf', dir]);
  return { sink: `nats jetstream (PubAck each, ${IN_FLIGHT} in flight)`, clicks: N, stored_rows: stored, pending_after: r.pending, seconds: +s.toFixed(2), clicks_per_s: Math.round(N / s), shipper_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2), retries: JSON.stringify(st.retriesByReason) };
}

/** The two publishing shapes on one bare connection, the same click bodies, IN_FLIGHT awaiting their PubAck. */
async function publishShapes(server) {
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const n = Math.min(N, 30_000);
  const bodies = Array.from({ length: n }, (_, i) => {
    const c = benchClick(i, newClickId);
    return { id: c.click_id, body: clickJson({ ...c, metadata: JSON.stringify(c.metadata) }) };
  });
  const out = [];
  const shapes = {
    'js.publish() per message': async () => {
      const js = jetstream(nc);
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const b = bodies[next++];
          await js.publish(NATS_SUBJECT, b.body, { msgID: b.id });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    },
    'one reply subscription (the sink)': () =>
      new Promise((resolve) => {
        const inbox = createInbox();
        let sent = 0;
        let acked = 0;
        const pump = () => {
          while (sent < n && sent - acked < IN_FLIGHT) {
            const h = headers();
            h.set('Nats-Msg-Id', bodies[sent].id);
            nc.publish(NATS_SUBJECT, bodies[sent].body, { reply: `${inbox}.${sent}`, headers: h });
            sent++;
          }
        };
        const sub = nc.subscribe(`${inbox}.*`, {
          callback: () => {
            if (++acked === n) {
              sub.unsubscribe();
              resolve();
            } else pump();
          },
        });
        pump();
      }),
  };
  for (const [name, run] of Object.entries(shapes)) {
    await jsm.streams.purge(NATS_STREAM);
    // A fresh id per shape: the stream would answer the second run's messages as duplicates.
    for (const b of bodies) b.id = newClickId();
    const t = performance.now();
    await run();
    const s = (performance.now() - t) / 1000;
    out.push({ publish: name, clicks: n, in_flight: IN_FLIGHT, seconds: +s.toFixed(2), clicks_per_s: Math.round(n / s) });
  }
  await nc.close();
  return out;
}

function postgresAndHttp() {
  const o = execFileSync(process.execPath, ['--import', join(root, 'test/support/ref-main-system/register.mjs'), join(root, 'bench/ship-pg.mjs')], { encoding: 'utf8', env: process.env });
  return o.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${N} clicks, batch_size ${BATCH_SIZE}, concurrency ${CONCURRENCY}, ${IN_FLIGHT} publishes in flight`);
const server = await startNats();
let rows;
try {
  await server.createStream();
  const natsResult = await drainToNats(server);
  const shapes = await publishShapes(server);
  rows = [natsResult, ...shapes];
} finally {
  await server.destroy();
}
if (!process.env.BENCH_NATS_ONLY) rows.splice(1, 0, ...postgresAndHttp());
for (const r of rows) console.log(JSON.stringify(r));
