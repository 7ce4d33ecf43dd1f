// Measurement, not a test (#22): one mirror in memory for every serving thread. Builds a mirror
// of N links (default 1,000,000) with `clickrelay sync`, then starts `serve` with
// server.threads = 1 and = each T of --threads (default 2,4) on it in turn and reads the
// process's RSS (VmRSS) and peak (VmHWM) from /proc once the start-up sync is over. The link
// table is in shared memory, so T threads should hold one copy: RSS with T threads within 1.3×
// of 1 thread. Prints, per T, the ratio to 1 thread and what each further serving thread adds
// ((RSS_T − RSS_1) / (T − 1): its own V8 isolate and its outbox shard's writer thread).
// The machine may be shared: --repeat n runs every thread count n times, interleaved, and
// prints the medians (a thread's young generation is touched or not at the moment of reading).
//   npm run build && node bench/threads-rss.mjs [--links 1000000] [--threads 2,4] [--repeat 3]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, start, stop, tempDir, writeLinks } from './lib.mjs';

const { values: a } = parseArgs({ options: { links: { type: 'string', default: '1000000' }, threads: { type: 'string', default: '2,4' }, repeat: { type: 'string', default: '1' } } });
const counts = [1, ...a.threads.split(',').map(Number).filter((t) => t > 1)];
const repeat = Math.max(1, Number(a.repeat));
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = tempDir('clickrelay-rss-');
const { linksFile } = writeLinks(dir, Number(a.links));
const data = join(dir, 'data');
const env = { CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: data, CLICKRELAY_SYNC_FILE: linksFile, CLICKRELAY_LOG_LEVEL: 'warn', CLICKRELAY_MAIN_SYSTEM_BASE_URL: '', CLICKRELAY_SYNC_MAX_CHANGE_RATIO: '1' };
execFileSync(process.execPath, [cli, 'sync'], { env: { ...process.env, ...env }, stdio: 'inherit' });

const kb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

async function measure(threads) {
  // Each run starts from no outbox: shards an earlier, larger run left on disk would get a
  // writer thread each (service.ts opens every shard on disk) and be counted against 1 thread.
  for (const f of readdirSync(data)) if (f.startsWith('outbox')) rmSync(join(data, f), { force: true });
  const [port, admin] = [await freePort(), await freePort()];
  const child = start(process.execPath, [cli, 'serve'], { ...env, CLICKRELAY_SERVER_PORT: String(port), CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_SERVER_THREADS: String(threads) });
  // Ready once the mirror is loaded; then the start-up sync (the same listing) must be over.
  for (;;) {
    if (child.exitCode !== null) throw new Error(child.output());
    try {
      const m = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
      if (/^clickrelay_mirror_last_sync_timestamp_seconds [1-9]/m.test(m)) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const probe = await fetch(`http://127.0.0.1:${port}/track/bench_000001`, { redirect: 'manual' });
  await new Promise((r) => setTimeout(r, 2000)); // let the sync thread's memory go (elapsed time is the point here)
  const r = { threads, status: probe.status, rssMB: kb(child.pid, 'VmRSS') / 1024, peakMB: kb(child.pid, 'VmHWM') / 1024 };
  await stop(child);
  return r;
}

const runs = new Map(counts.map((t) => [t, []]));
for (let round = 1; round <= repeat; round++) {
  for (const t of counts) {
    const r = await measure(t);
    runs.get(t).push(r);
    if (repeat > 1) console.log(`round ${round} threads=${t}: RSS ${r.rssMB.toFixed(0)} MB, peak ${r.peakMB.toFixed(0)} MB (probe ${r.status})`);
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = new Map([...runs].map(([t, rs]) => [t, { rss: median(rs.map((r) => r.rssMB)), peak: median(rs.map((r) => r.peakMB)), status: rs.map((r) => r.status).join('/') }]));
const one = med.get(1);
console.log(`\n${a.links} links${repeat > 1 ? `, median of ${repeat} runs` : ''}`);
for (const [t, m] of med) {
  const vs = t === 1 ? '' : `; ${(m.rss / one.rss).toFixed(2)}× of 1 thread (goal ≤ 1.30), +${((m.rss - one.rss) / (t - 1)).toFixed(1)} MB per further thread`;
  console.log(`threads=${t}: RSS ${m.rss.toFixed(0)} MB, peak ${m.peak.toFixed(0)} MB (probe ${m.status})${vs}`);
}
