// npm run bench: clickrelay (durable and fast) against a bare uWebSockets.js 302 server,
// in the same run, rotating over 1,000 links. Prints req/s, p50/p90/p99 and the ratio to
// bare. On a shared 2-core machine compare the ratios, not the absolute numbers: wrk
// and the server share the cores.
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 npm run bench
// Other sessions may load the machine: BENCH_REPEAT=n runs the three servers n times,
// interleaved, and prints every round and the median of each column (ratios are taken per
// round, against that round's bare run). BENCH_MODES=fast (or durable) skips the other mode;
// BENCH_DIST=/path/to/dist measures another build of clickrelay (e.g. a private tsc --outDir
// under node_modules/.cache, so a concurrent `tsc -p .` cannot change what is measured);
// BENCH_DIST=before=/a/dist,after=/b/dist measures each build in every round (A/B in one run).
// The CPU columns (Linux) say where the time goes, in µs of CPU per request: the server's main
// thread, its other threads (clickrelay: mostly the outbox writer) and wrk, which shares the
// cores. A ratio to bare is roughly (wrk + bare) / (wrk + clickrelay) in these terms.
// `--threads N` (or BENCH_THREADS=N, N > 1) adds a bare N-thread reuse-port server and each
// clickrelay mode with server.threads = N beside the 1-thread runs, and prints, per mode, N
// threads against 1: throughput and CPU µs per request (the process's every thread, over
// requests answered). With at least 4 cores wrk is pinned to 2 cores of its own (taskset) and
// the servers to the rest, and the table shows the scaling from 1 to N; on fewer cores wrk
// shares them, and what the run can show is that more threads add no cost per click.
// The plain run (no --threads) measures server.threads = 1, as before threads existed.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cpuPerRequest, cpuSnapshot, freePort, requireWrk, start, stop, table, tempDir, waitFor, wrk, writeLinks } from './lib.mjs';

requireWrk();
const { values: argv } = parseArgs({ options: { threads: { type: 'string' } }, strict: false });
const threads = Math.max(1, Number(argv.threads ?? process.env.BENCH_THREADS ?? 1));
const cores = availableParallelism();
// wrk on cores 0-1, the servers on the others, where there are enough of them.
const pin = threads > 1 && cores >= 4 ? { wrk: '0-1', server: `2-${cores - 1}` } : null;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const modes = (process.env.BENCH_MODES ?? 'durable,fast').split(',').filter(Boolean);
const dir = tempDir('clickrelay-bench-');
const { linksFile, idsFile } = writeLinks(dir, 1000);
const builds = (process.env.BENCH_DIST ?? '')
  .split(',')
  .filter(Boolean)
  .map((spec) => {
    const eq = spec.indexOf('=');
    return eq > 0 ? { label: ` (${spec.slice(0, eq)})`, cli: join(resolve(spec.slice(eq + 1)), 'cli/main.js') } : { label: '', cli: join(resolve(spec), 'cli/main.js') };
  });
if (builds.length === 0) builds.push({ label: '', cli: new URL('../dist/cli/main.js', import.meta.url).pathname });
let round = 0;

/** Whether a build has server.threads (its config schema names the key). */
function knowsThreads(cli) {
  return /\bthreads\b/.test(readFileSync(join(dirname(cli), '../config/schema.js'), 'utf8'));
}

async function measure(name, child, base, readyUrl) {
  try {
    await waitFor(readyUrl);
  } catch (err) {
    throw new Error(`${name} never became ready: ${err.message}\n${child.output()}`);
  }
  const cpus = pin?.wrk;
  wrk(base, { idsFile, seconds: 2, connections, cpus }); // warm-up: JIT, page cache, SQLite
  const before = cpuSnapshot(child.pid);
  const r = wrk(base, { idsFile, seconds, connections, cpus });
  const cpu = cpuPerRequest(before, cpuSnapshot(child.pid), r.requests);
  await stop(child);
  return { name, ...r, cpuMain: cpu?.main ?? NaN, cpuOthers: cpu?.others ?? NaN, cpuWrk: cpu?.wrk ?? NaN, cpuTotal: (cpu?.main ?? NaN) + (cpu?.others ?? NaN) };
}

async function clickrelay(durability, { label, cli }, n = 1) {
  const port = await freePort();
  const admin = await freePort();
  const dataDir = join(dir, `data-${durability}-${round}-${builds.findIndex((b) => b.cli === cli)}-${n}`);
  const child = start(process.execPath, [cli, 'serve'], {
    CLICKRELAY_CONFIG: '',
    CLICKRELAY_SERVER_PORT: String(port),
    CLICKRELAY_ADMIN_PORT: String(admin),
    CLICKRELAY_STORAGE_DATA_DIR: dataDir,
    CLICKRELAY_SYNC_FILE: linksFile,
    CLICKRELAY_OUTBOX_DURABILITY: durability,
    CLICKRELAY_LOG_LEVEL: 'warn',
    CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '0',
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: '',
    // A build from before server.threads refuses the key; it serves on one thread anyway.
    ...(knowsThreads(cli) ? { CLICKRELAY_SERVER_THREADS: String(n) } : {}),
    // In the temp folder: an older build looks for ./config/clickrelay.toml, and this checkout's
    // may name keys it does not know; both builds run on their built-in defaults plus the above.
  }, pin?.server, dir);
  const r = await measure(`clickrelay ${durability}${label}${threads > 1 ? ` ×${n}` : ''}`, child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${admin}/readyz`);
  if (child.exitCode !== 0) console.error(child.output());
  rmSync(dataDir, { recursive: true, force: true }); // a run leaves a few hundred MB of outbox
  return r;
}

async function bare(n = 1) {
  const port = await freePort();
  const child =
    n === 1
      ? start(process.execPath, [new URL('./bare-uws.mjs', import.meta.url).pathname, String(port)], {}, pin?.server)
      : start(process.execPath, [new URL('./bare-uws-threads.mjs', import.meta.url).pathname, String(port), String(n)], {}, pin?.server);
  // taskset execs node: child.pid is the server's pid either way
  return measure(`bare uWS 302${threads > 1 ? ` ×${n}` : ''}`, child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/`);
}

const rows = [];
for (round = 0; round < repeat; round++) {
  const results = [await bare()];
  if (threads > 1) results.push(await bare(threads));
  for (const m of modes) for (const b of builds) {
    results.push(await clickrelay(m, b));
    if (threads > 1) results.push(await clickrelay(m, b, threads));
  }
  const base = results[0].rps;
  for (const r of results) rows.push({ round: round + 1, ...r, ratio: r.rps / base });
}
rmSync(dir, { recursive: true, force: true });
const fmt = (r) => ({
  ...(repeat > 1 ? { round: r.round } : {}),
  server: r.name,
  'req/s': Math.round(r.rps),
  'ratio to bare': r.ratio.toFixed(2),
  'p50 ms': r.p50.toFixed(3),
  'p90 ms': r.p90.toFixed(3),
  'p99 ms': r.p99.toFixed(3),
  'non-3xx': r.non3xx,
  'socket errors': r.socketErrors,
  'CPU µs/req: all threads': r.cpuTotal.toFixed(1),
  'main': r.cpuMain.toFixed(1),
  'other threads': r.cpuOthers.toFixed(1),
  wrk: r.cpuWrk.toFixed(1),
});
console.log(`\n${seconds}s per run, ${connections} connections, wrk -t2${pin ? ` pinned to cores ${pin.wrk}, servers on ${pin.server}` : ''}, 1,000 rotating links, ${cores} cores, ${new Date().toISOString()}\n`);
console.log(table(rows.map(fmt)));
if (threads > 1) {
  // Per round: N threads against 1 of the same server, throughput and CPU per request.
  const pairs = [];
  for (const r of rows.filter((x) => x.name.endsWith(` ×${threads}`))) {
    const one = rows.find((x) => x.round === r.round && x.name === r.name.replace(` ×${threads}`, ' ×1'));
    if (one) pairs.push({ round: r.round, server: r.name.replace(` ×${threads}`, ''), [`req/s ×${threads} / ×1`]: (r.rps / one.rps).toFixed(2), [`CPU µs/req ×${threads} / ×1`]: (r.cpuTotal / one.cpuTotal).toFixed(2) });
  }
  console.log(`\n${threads} threads against 1 (${pin ? 'scaling: wrk on cores of its own' : 'wrk shares the cores: more threads cannot serve more here; CPU per request shows what the threads cost'})\n`);
  console.log(table(pairs));
}
if (repeat > 1) {
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const names = [...new Set(rows.map((r) => r.name))];
  const med = names.map((name) => {
    const rs = rows.filter((r) => r.name === name);
    const m = {};
    for (const k of ['rps', 'ratio', 'p50', 'p90', 'p99', 'non3xx', 'cpuMain', 'cpuOthers', 'cpuWrk', 'cpuTotal']) m[k] = median(rs.map((r) => r[k]));
    return { name, round: 'median', ...m, socketErrors: rs.filter((r) => r.socketErrors !== 'none').length ? 'some' : 'none' };
  });
  console.log(`\nmedian of ${repeat} rounds\n`);
  console.log(table(med.map((r) => { const { round: _, ...rest } = fmt({ ...r, round: 0 }); return rest; })));
}
