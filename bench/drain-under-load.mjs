// npm run bench:drain — the shipper draining a backlog while serve answers redirects:
//   1. an outbox with a backlog of N clicks (default 1,000,000) is written, then `serve` starts
//      on it, pointed at the reference main system, which refuses record-clicks (503) for now;
//   2. redirect load (wrk, rotating over the mirror's links) with shipping held back: the
//      baseline p50/p99;
//   3. the main system recovers: the same load while the shipper drains. Prints clicks shipped
//      per second under load, the p99 ratio, and the time until the backlog is gone.
// The redirects record clicks too (durable mode), so the shipper drains the backlog and ships
// the new clicks at once. The reference main system runs in this process (TypeScript through
// its loader hook), with synchronous=off (see RefStore); wrk is run asynchronously.
//   BENCH_BACKLOG=200000 BENCH_SECONDS=10 BENCH_CONNECTIONS=16 npm run bench:drain
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireWrk, start, stop, table, tempDir, waitFor, wrkAsync } from './lib.mjs';

requireWrk();
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const dist = new URL('../dist/', import.meta.url).pathname;
const { Outbox } = await import(join(dist, 'outbox/index.js'));
const { newClickId } = await import(join(dist, 'outbox/click-id.js'));
const { startRefMainSystem } = await import('../test/support/ref-main-system/server.ts');
const KEY = 'bench-key';
const dir = tempDir('clickrelay-drainbench-');
const dataDir = join(dir, 'data');

const main = await startRefMainSystem({ apiKey: KEY, links: 1_200, synchronous: 'off' });
main.faults.status5xx = { status: 503, routes: ['record-clicks', 'record-click'] };
const ids = [];
for (let i = 1; ids.length < 1000; i++) if (i % 10 !== 0) ids.push(`lt_seed_${String(i).padStart(7, '0')}`);
const idsFile = join(dir, 'ids.txt');
writeFileSync(idsFile, ids.join('\n') + '\n');

const t0 = Date.now();
const outbox = await Outbox.open({ dataDir, durability: 'fast', commitIntervalMs: 5 });
for (let i = 0; i < BACKLOG; i += 20_000) {
  const m = Math.min(20_000, BACKLOG - i);
  await new Promise((resolve, reject) => {
    let left = m;
    for (let k = 0; k < m; k++) {
      outbox.record(
        {
          click_id: newClickId(), tracking_id: ids[(i + k) % ids.length], clicked_at: new Date().toISOString(), ip_address: '203.0.113.0',
          user_agent: 'Chrome 120 / Windows', referrer_url: 'https://mail.google.com', session_id: 'b'.repeat(32), click_source: 'email',
          metadata: { utm_medium: 'email', utm_source: 'newsletter' }, anonymous: false,
        },
        (err) => (err ? reject(err) : --left === 0 && resolve()),
      );
    }
  });
}
await outbox.close();
console.log(`backlog: ${BACKLOG.toLocaleString()} clicks written in ${Date.now() - t0} ms`);

const [port, admin] = [await freePort(), await freePort()];
const serve = start(process.execPath, [join(dist, 'cli/main.js'), 'serve'], {
  CLICKRELAY_CONFIG: '',
  CLICKRELAY_SERVER_PORT: String(port),
  CLICKRELAY_ADMIN_PORT: String(admin),
  CLICKRELAY_STORAGE_DATA_DIR: dataDir,
  CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url,
  CLICKRELAY_MAIN_SYSTEM_API_KEY: KEY,
  CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '0',
  // Retries come at most a second apart, so the drain starts as soon as the main system recovers.
  CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '1000',
  CLICKRELAY_LOG_LEVEL: 'warn',
});
const metric = async (name) => {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};
await waitFor(`http://127.0.0.1:${admin}/readyz`, 120_000);
const base = `http://127.0.0.1:${port}`;
await wrkAsync(base, { idsFile, seconds: 2, connections });
const held = await wrkAsync(base, { idsFile, seconds, connections });

main.faults.status5xx = null;
const shipped0 = await metric('clickrelay_shipper_shipped_total');
const tDrain = Date.now();
const during = await wrkAsync(base, { idsFile, seconds, connections });
const shippedUnderLoad = (await metric('clickrelay_shipper_shipped_total')) - shipped0;
const loadS = (Date.now() - tDrain) / 1000;
let pending = await metric('clickrelay_outbox_pending');
while (pending > 0 && Date.now() - tDrain < 600_000) {
  await new Promise((r) => setTimeout(r, 250));
  pending = await metric('clickrelay_outbox_pending');
}
const drainS = (Date.now() - tDrain) / 1000;
const total = (await metric('clickrelay_shipper_shipped_total')) - shipped0;
const rss = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
await stop(serve);
const stored = main.store.clickCount();
await main.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  '\n' +
    table(
      [
        { load: `${seconds}s, shipping held back (503)`, r: held },
        { load: `${seconds}s, draining`, r: during },
      ].map(({ load, r }) => ({ load, 'req/s': Math.round(r.rps), 'p50 ms': r.p50.toFixed(3), 'p99 ms': r.p99.toFixed(3), 'non-3xx': r.non3xx })),
    ),
);
console.log(`\nshipped under load: ${Math.round(shippedUnderLoad / loadS).toLocaleString()} clicks/s (while serving ${Math.round(during.rps).toLocaleString()} redirects/s)`);
console.log(`backlog + new clicks (${total.toLocaleString()}) shipped in ${drainS.toFixed(1)} s; the main system holds ${stored.toLocaleString()} clicks; serve peak RSS ${rss.toFixed(0)} MiB`);
console.log(`p99 ratio draining / held back: ${(during.p99 / held.p99).toFixed(2)}`);
