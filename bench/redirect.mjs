// npm run bench: clickrelay (durable and fast) against a bare uWebSockets.js 302 server,
// in the same run, rotating over 1,000 links. Prints req/s, p50/p90/p99 and the ratio to
// bare. On a shared 2-core machine compare the ratios, not the absolute numbers: wrk
// and the server share the cores.
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 npm run bench
import { join } from 'node:path';
import { freePort, requireWrk, start, stop, table, tempDir, waitFor, wrk, writeLinks } from './lib.mjs';

requireWrk();
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const dir = tempDir('clickrelay-bench-');
const { linksFile, idsFile } = writeLinks(dir, 1000);
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;

async function measure(name, child, base, readyUrl) {
  await waitFor(readyUrl);
  wrk(base, { idsFile, seconds: 2, connections }); // warm-up: JIT, page cache, SQLite
  const r = wrk(base, { idsFile, seconds, connections });
  await stop(child);
  return { name, ...r };
}

async function clickrelay(durability) {
  const port = await freePort();
  const admin = await freePort();
  const child = start(process.execPath, [cli, 'serve'], {
    CLICKRELAY_CONFIG: '',
    CLICKRELAY_SERVER_PORT: String(port),
    CLICKRELAY_ADMIN_PORT: String(admin),
    CLICKRELAY_STORAGE_DATA_DIR: join(dir, `data-${durability}`),
    CLICKRELAY_SYNC_FILE: linksFile,
    CLICKRELAY_OUTBOX_DURABILITY: durability,
    CLICKRELAY_LOG_LEVEL: 'warn',
    CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '0',
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: '',
  });
  const r = await measure(`clickrelay ${durability}`, child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${admin}/readyz`);
  if (child.exitCode !== 0) console.error(child.output());
  return r;
}

async function bare() {
  const port = await freePort();
  const child = start(process.execPath, [new URL('./bare-uws.mjs', import.meta.url).pathname, String(port)]);
  return measure('bare uWS 302', child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/`);
}

const results = [];
results.push(await bare());
results.push(await clickrelay('durable'));
results.push(await clickrelay('fast'));
const base = results[0].rps;
console.log(`\n${seconds}s per run, ${connections} connections, wrk -t2, 1,000 rotating links, ${new Date().toISOString()}\n`);
console.log(
  table(
    results.map((r) => ({
      server: r.name,
      'req/s': Math.round(r.rps),
      'ratio to bare': (r.rps / base).toFixed(2),
      'p50 ms': r.p50.toFixed(3),
      'p90 ms': r.p90.toFixed(3),
      'p99 ms': r.p99.toFixed(3),
      'non-3xx': r.non3xx,
      'socket errors': r.socketErrors,
    })),
  ),
);
