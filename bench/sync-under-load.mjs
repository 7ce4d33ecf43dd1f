// npm run bench:sync — the mirror sync at scale:
//   1. wall time of serve's first sync of N links (default 1,000,000) from the reference
//      main system, and serve's peak RSS (VmHWM);
//   2. redirect p99 under wrk load without a sync, and with a full re-sync running (every
//      URL changed in the main system, so the whole mirror is rebuilt and swapped).
// The reference main system runs in this process (TypeScript through its loader hook), so
// wrk is run asynchronously. Needs wrk (apt-get install -y wrk).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireWrk, start, stop, table, tempDir, waitFor, wrkAsync, wrkUntil } from './lib.mjs';

requireWrk();
const N = Number(process.env.BENCH_LINKS ?? 1_000_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const { startRefMainSystem } = await import('../test/support/ref-main-system/server.ts');
const KEY = 'bench-key';
const dir = tempDir('clickrelay-syncbench-');

const t0 = Date.now();
const main = await startRefMainSystem({ apiKey: KEY, links: N });
console.log(`reference main system: ${N} links seeded in ${Date.now() - t0} ms`);
// 1,000 active ids spread over the whole set (every 10th seeded link is inactive, so 1,000
// kept ids take ~1,111 steps: the step leaves room for that, and every id exists).
const ids = [];
for (let i = 1; ids.length < 1000; i += Math.floor(N / 1200)) if (i % 10 !== 0) ids.push(`lt_seed_${String(i).padStart(7, '0')}`);
const idsFile = join(dir, 'ids.txt');
writeFileSync(idsFile, ids.join('\n') + '\n');

const [port, admin] = [await freePort(), await freePort()];
const serve = start(process.execPath, [new URL('../dist/cli/main.js', import.meta.url).pathname, 'serve'], {
  CLICKRELAY_CONFIG: '',
  CLICKRELAY_SERVER_PORT: String(port),
  CLICKRELAY_ADMIN_PORT: String(admin),
  CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
  CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url,
  CLICKRELAY_MAIN_SYSTEM_API_KEY: KEY,
  CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '0',
  // A tick every 20 s: unchanged listings are answered 304 (cheap); after the URLs change,
  // the next tick rebuilds the whole mirror while wrk is running.
  CLICKRELAY_SYNC_SCHEDULE: '*/20 * * * * *',
  CLICKRELAY_LOG_LEVEL: 'info',
});
const procKiB = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const vmhwm = () => procKiB('VmHWM');
const changedSyncs = () => serve.output().split('\n').filter((l) => l.includes('"event":"sync_done"') && l.includes('"changed":true')).map((l) => JSON.parse(l));
const until = async (what, ok, ms = 180_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end || serve.exitCode !== null) throw new Error(`${what}:\n${serve.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

await waitFor(`http://127.0.0.1:${admin}/healthz`, 60_000);
await until('the first sync', () => changedSyncs().length >= 1);
const first = changedSyncs()[0];
const rssFirst = vmhwm();

const base = `http://127.0.0.1:${port}`;
await wrkAsync(base, { idsFile, seconds: 2 });
const quiet = await wrkAsync(base, { idsFile, seconds });

// What the redirect load alone has grown the process to (V8 collects the old generation
// lazily), so the re-sync's own share of the peak can be told apart.
const rssBeforeResync = procKiB('VmRSS');
main.store.db.exec("UPDATE link_tracking SET original_url = original_url || '&v=2'");
main.store.version++; // the listing's ETag follows this counter
// The next tick of the 20 s schedule rebuilds the whole mirror. Load starts half a second
// before it and stops when the new index is in: the figures cover the whole re-sync, and
// nothing but it.
await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() % 20_000) - 500)));
const during = await wrkUntil(base, { idsFile }, () => changedSyncs().length >= 2, 120);
await until('the re-sync', () => changedSyncs().length >= 2, 10_000);
const resync = changedSyncs()[1];
const rssAll = vmhwm();
await stop(serve);
await main.close();

console.log(`\n${N.toLocaleString()} links; first sync ${(first.durationMs / 1000).toFixed(1)} s (serve peak RSS ${rssFirst.toFixed(0)} MiB); re-sync under load ${(resync.durationMs / 1000).toFixed(1)} s (serve RSS ${rssBeforeResync.toFixed(0)} MiB just before it, peak RSS ${rssAll.toFixed(0)} MiB)\n`);
console.log(
  table(
    [
      { load: `${seconds}s, no sync`, r: quiet },
      { load: `${during.seconds.toFixed(0)}s, the whole re-sync`, r: during },
    ].map(({ load, r }) => ({ load, 'req/s': Math.round(r.rps), 'p50 ms': r.p50.toFixed(3), 'p99 ms': r.p99.toFixed(3), 'non-3xx': r.non3xx })),
  ),
);
console.log(`\np99 ratio during sync / without: ${(during.p99 / quiet.p99).toFixed(2)} (target ≤ 2)`);
