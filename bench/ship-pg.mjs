// Draining an outbox backlog into PostgreSQL (the guide's link_clicks, through the click-sink
// port) against the HTTP reference main system, in one run. Also measures the two one-round-trip
// INSERT shapes on a bare connection: unnest() of column arrays (what the sink sends) and a
// multi-row VALUES list with 9 parameters per click. (COPY into a staging table needs
// pg-copy-streams, which is not a dependency: not measured.)
//   npm run bench:ship-pg                         (50,000 clicks each way)
//   BENCH_CLICKS=200000 BENCH_BATCH_SIZE=500 BENCH_CONCURRENCY=4 npm run bench:ship-pg
// The PostgreSQL cluster is the tests' throwaway one (test/support/postgres.ts: fsync=off,
// synchronous_commit on), on this machine; the reference main system runs its SQLite with
// synchronous=off. Both stand in for a database server on another machine.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { benchClick, fillOutbox, tempDir } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_CLICKS ?? 50_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

const { startCluster, DB_PASSWORD } = await import(pathToFileURL(join(root, 'test/support/postgres.ts')).href);
const { Outbox } = await dist('outbox/index.js');
const { newClickId } = await dist('outbox/click-id.js');
const { createShipper } = await dist('shipper/index.js');
const { openClickSink, INSERT_SQL } = await dist('main-system/postgres/index.js');

async function drainToPostgres(cluster) {
  const dir = tempDir('clickrelay-ship-pg-');
  const outbox = await Outbox.open({ dataDir: join(dir, 'data'), durability: 'fast', commitIntervalMs: 5 });
  await fillOutbox(outbox, N, newClickId);
  const sink = openClickSink({ database_url: cluster.url, database_password_file: '', timeout_ms: 30_000 }, CONCURRENCY, { PGPASSWORD: DB_PASSWORD });
  const shipper = createShipper({ outbox, sink, mode: 'batch', batchSize: BATCH_SIZE, lingerMs: 200, concurrency: CONCURRENCY, maxBackoffMs: 5_000 });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const r = await shipper.drain({ timeoutMs: 900_000 });
  const s = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const st = shipper.stats();
  await shipper.stop({ graceMs: 1000 });
  await outbox.close();
  const stored = Number((await cluster.admin('SELECT count(*) AS n FROM link_clicks')).rows[0].n);
  execFileSync('rm', ['-rf', dir]);
  return { sink: 'postgres (unnest, ON CONFLICT)', clicks: N, stored_rows: stored, pending_after: r.pending, seconds: +s.toFixed(2), clicks_per_s: Math.round(N / s), shipper_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2), retries: JSON.stringify(st.retriesByReason) };
}

/** The two statement shapes on one bare connection, same clicks, batches of BATCH_SIZE. */
async function statementShapes(cluster) {
  const c = new pg.Client({ connectionString: cluster.url.replace('link_tracking_user@', `link_tracking_user:${DB_PASSWORD}@`) });
  await c.connect();
  const n = Math.min(N, 20_000);
  const out = [];
  const cols = (b) => {
    const a = Array.from({ length: 9 }, () => []);
    for (const x of b) {
      [x.click_id, x.tracking_id, x.clicked_at, x.ip_address, x.user_agent, x.referrer_url, x.session_id, x.click_source, JSON.stringify(x.metadata)].forEach((v, i) => a[i].push(v));
    }
    return a;
  };
  const values = (b) => {
    const rows = b.map((_, r) => `(${Array.from({ length: 9 }, (_, k) => `$${r * 9 + k + 1}${k === 2 ? "::timestamptz AT TIME ZONE 'UTC'" : k === 3 ? '::inet' : k === 8 ? '::jsonb' : ''}`).join(', ')})`);
    return {
      text: `INSERT INTO link_clicks (click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id, click_source, metadata) VALUES ${rows.join(', ')} ON CONFLICT (click_id) DO NOTHING`,
      values: b.flatMap((x) => [x.click_id, x.tracking_id, x.clicked_at, x.ip_address, x.user_agent, x.referrer_url, x.session_id, x.click_source, JSON.stringify(x.metadata)]),
    };
  };
  for (const [name, make] of [['unnest', (b) => ({ text: INSERT_SQL, values: cols(b) })], ['multi-row VALUES', values]]) {
    await c.query('TRUNCATE link_clicks').catch(() => undefined);
    const clicks = Array.from({ length: n }, (_, i) => benchClick(i, newClickId));
    const t = performance.now();
    for (let i = 0; i < n; i += BATCH_SIZE) await c.query(make(clicks.slice(i, i + BATCH_SIZE)));
    const s = (performance.now() - t) / 1000;
    out.push({ statement: name, clicks: n, batch: BATCH_SIZE, seconds: +s.toFixed(2), clicks_per_s: Math.round(n / s) });
  }
  await c.end();
  return out;
}

function drainToHttp() {
  const o = execFileSync(process.execPath, [join(root, 'bench/ship-drain.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_BATCH_CLICKS: String(N), BENCH_SINGLE_CLICKS: '0', BENCH_BATCH_SIZE: String(BATCH_SIZE), BENCH_CONCURRENCY: String(CONCURRENCY) },
  });
  const line = o.split('\n').find((l) => l.startsWith('{'));
  const r = JSON.parse(line);
  return { sink: 'http reference main system (record-clicks)', clicks: r.clicks, stored_rows: r.shipped, pending_after: r.pending_after, seconds: r.seconds, clicks_per_s: r.clicks_per_s, shipper_cpu_s: r.shipper_cpu_s, retries: r.retries };
}

console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${N} clicks, batch_size ${BATCH_SIZE}, concurrency ${CONCURRENCY}`);
const cluster = await startCluster();
try {
  const pgResult = await drainToPostgres(cluster);
  // The superuser may truncate; link_tracking_user cannot (it has INSERT only).
  await cluster.admin('GRANT TRUNCATE ON link_clicks TO link_tracking_user');
  const shapes = await statementShapes(cluster);
  const httpResult = drainToHttp();
  for (const r of [pgResult, httpResult, ...shapes]) console.log(JSON.stringify(r));
} finally {
  await cluster.destroy();
}
