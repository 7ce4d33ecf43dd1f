// Shipper drain throughput: a backlog of N clicks in a real outbox, shipped to the reference
// main system (its own process, SQLite file) in batch mode, then M clicks in single mode.
// Prints clicks/s, requests, and the worst event-loop stall in the shipping process (the
// shipper shares its process with the redirect server: long stalls would delay redirects).
//   node bench/ship-drain.mjs                      (100,000 batch, 20,000 single)
//   BENCH_BATCH_CLICKS=1000000 BENCH_SINGLE_CLICKS=20000 node bench/ship-drain.mjs
//   BENCH_BATCH_SIZE=500 BENCH_CONCURRENCY=4 BENCH_PIPELINE=2
//   TMPDIR=/dev/shm node --expose-gc bench/ship-drain.mjs   (files in RAM: no fsync; heap after a full GC)
// Uses dist/ when built (npm run build) and newer than the sources; otherwise compiles src/shipper, src/outbox and
// src/types.ts with the project's tsc into node_modules/.cache first.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fillOutbox, freePort, start, stop, tempDir } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BATCH_CLICKS = Number(process.env.BENCH_BATCH_CLICKS ?? 100_000);
const SINGLE_CLICKS = Number(process.env.BENCH_SINGLE_CLICKS ?? 20_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PIPELINE = Number(process.env.BENCH_PIPELINE ?? 2);
// The reference main system's SQLite synchronous mode: 'off' by default, since it stands in
// for a database server on another machine (see RefStore); BENCH_MAIN_SYNC=normal to compare.
const MAIN_SYNC = process.env.BENCH_MAIN_SYNC ?? 'off';
const KEY = 'bench-key-' + randomUUID();

function compiled() {
  const dist = join(root, 'dist');
  const srcs = ['shipper', 'outbox'].flatMap((s) => readdirSync(join(root, 'src', s)).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src', s, f)));
  const fresh = [...srcs, join(root, 'src/types.ts')].every((f) => {
    const js = join(dist, f.slice(join(root, 'src').length + 1).replace(/\.ts$/, '.js'));
    return existsSync(js) && statSync(js).mtimeMs >= statSync(f).mtimeMs;
  });
  if (fresh) return { dir: dist, temp: false };
  const out = join(root, 'node_modules/.cache', `clickrelay-bench-build-${process.pid}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '--outDir', out, '--rootDir', join(root, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--skipLibCheck', '--types', 'node', ...srcs, join(root, 'src/types.ts')], { stdio: 'pipe' });
  } catch (err) {
    // type errors still emit; only a missing output is fatal
    if (!existsSync(join(out, 'shipper/index.js')) || !existsSync(join(out, 'outbox/index.js'))) throw err;
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return { dir: out, temp: true };
}

const build = compiled();
const { Outbox } = await import(pathToFileURL(join(build.dir, 'outbox/index.js')).href);
const { createShipper } = await import(pathToFileURL(join(build.dir, 'shipper/index.js')).href);
const { httpClickSink } = await import(pathToFileURL(join(build.dir, 'main-system/http/click-sink.js')).href);
const { ApiKey } = await import(pathToFileURL(join(build.dir, 'main-system/http/api-key.js')).href);
// Click ids as clickrelay makes them (UUIDv7, time-ordered): the main system's unique index
// on click_id grows at its end, as it does in production.
const { newClickId } = await import(pathToFileURL(join(build.dir, 'outbox/click-id.js')).href);

async function startMain(dir) {
  const port = await freePort();
  const child = start(process.execPath, [...(process.env.BENCH_MAIN_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(root, 'test/support/ref-main-system/main.mjs'), '--key', KEY, '--port', String(port), '--db', join(dir, 'main.db'), '--synchronous', MAIN_SYNC]);
  const until = Date.now() + 30_000;
  while (!child.output().includes('"url"')) {
    if (Date.now() > until || child.exitCode !== null) throw new Error('ref main system did not start:\n' + child.output());
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

/** user+system CPU of a process (Linux /proc), ms; NaN elsewhere. */
function childCpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

async function run(mode, n) {
  const dbg = (...a) => process.env.BENCH_DEBUG && console.error(new Date().toISOString(), mode, ...a);
  const dir = tempDir(`clickrelay-ship-${mode}-`);
  const main = await startMain(dir);
  dbg('main system up');
  const outbox = await Outbox.open({ dataDir: join(dir, 'data'), durability: 'fast', commitIntervalMs: 5 });
  const t0 = performance.now();
  await fillOutbox(outbox, n, newClickId);
  dbg('filled');
  const fillS = (performance.now() - t0) / 1000;
  // Time spent waiting on the outbox's writer thread, to tell its share from the network's.
  const waits = { take: 0, ack: 0 };
  const timed = (name, fn) => async (...a) => {
    const t = performance.now();
    try {
      return await fn(...a);
    } finally {
      waits[name] += performance.now() - t;
    }
  };
  const port = {
    takePending: timed('take', (...a) => outbox.takePending(...a)),
    ackShipped: timed('ack', (...a) => outbox.ackShipped(...a)),
    noteAttempt: (...a) => outbox.noteAttempt(...a),
    deadLetter: (...a) => outbox.deadLetter(...a),
    stats: () => outbox.stats(),
  };
  const cpu0 = process.cpuUsage();
  const mainCpu0 = childCpuMs(main.child.pid);
  const shipper = createShipper({
    outbox: port, sink: httpClickSink({ baseUrl: main.url, apiKey: new ApiKey(KEY, 'bench'), timeoutMs: 30_000, connections: CONCURRENCY }),
    mode, batchSize: BATCH_SIZE, lingerMs: 200, concurrency: CONCURRENCY, pipeline: PIPELINE, maxBackoffMs: 5_000,
    onEvent: (e) => { if (e.type === 'retry') console.error('retry', e); },
  });
  let lagMax = 0;
  let last = performance.now();
  const lag = setInterval(() => {
    const now = performance.now();
    lagMax = Math.max(lagMax, now - last - 5);
    last = now;
  }, 5);
  const t1 = performance.now();
  const res = await shipper.drain({ timeoutMs: 900_000 });
  dbg('drained', res);
  const s = (performance.now() - t1) / 1000;
  clearInterval(lag);
  const st = shipper.stats();
  const cpu = process.cpuUsage(cpu0);
  globalThis.gc?.();
  const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const mainCpu = childCpuMs(main.child.pid) - mainCpu0;
  await shipper.stop({ graceMs: 1000 });
  await outbox.close();
  await stop(main.child);
  rmSync(dir, { recursive: true, force: true });
  return { mode, clicks: n, pending_after: res.pending, shipped: st.shipped, seconds: +s.toFixed(2), clicks_per_s: Math.round(n / s), fill_s: +fillS.toFixed(2), max_loop_stall_ms: +lagMax.toFixed(1), heap_after_mb: heapMb,
    shipper_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2), main_system_cpu_s: +(mainCpu / 1000).toFixed(2),
    outbox_take_wait_s: +(waits.take / 1000).toFixed(2), outbox_ack_wait_s: +(waits.ack / 1000).toFixed(2), retries: JSON.stringify(st.retriesByReason) };
}

console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; batch_size ${BATCH_SIZE}, concurrency ${CONCURRENCY}, pipeline ${PIPELINE}, main system synchronous=${MAIN_SYNC}; code from ${build.temp ? 'a fresh tsc build of src/' : 'dist/'}`);
const results = [];
try {
  if (BATCH_CLICKS > 0) results.push(await run('batch', BATCH_CLICKS));
  if (SINGLE_CLICKS > 0) results.push(await run('single', SINGLE_CLICKS));
} finally {
  if (build.temp) rmSync(build.dir, { recursive: true, force: true });
}
for (const r of results) console.log(JSON.stringify(r));
