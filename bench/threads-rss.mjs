// Measurement, not a test (#22): one mirror in memory for every serving thread. Builds a mirror
// of N links (default 1,000,000) with `clickrelay sync`, then starts `serve` with
// server.threads = 1 and = T (default 4) on it in turn and reads the process's RSS (VmRSS) and
// peak (VmHWM) from /proc once the start-up sync is over. The link table is in shared memory,
// so T threads should hold one copy: RSS with T threads within 1.3× of 1 thread.
//   npm run build && node bench/threads-rss.mjs [--links 1000000] [--threads 4]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, start, stop, tempDir, writeLinks } from './lib.mjs';

const { values: a } = parseArgs({ options: { links: { type: 'string', default: '1000000' }, threads: { type: 'string', default: '4' } } });
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = tempDir('clickrelay-rss-');
const { linksFile } = writeLinks(dir, Number(a.links));
const data = join(dir, 'data');
const env = { CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: data, CLICKRELAY_SYNC_FILE: linksFile, CLICKRELAY_LOG_LEVEL: 'warn', CLICKRELAY_MAIN_SYSTEM_BASE_URL: '', CLICKRELAY_SYNC_MAX_CHANGE_RATIO: '1' };
execFileSync(process.execPath, [cli, 'sync'], { env: { ...process.env, ...env }, stdio: 'inherit' });

const kb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

async function measure(threads) {
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

const one = await measure(1);
const many = await measure(Number(a.threads));
rmSync(dir, { recursive: true, force: true });
console.log(`\n${a.links} links`);
for (const r of [one, many]) console.log(`threads=${r.threads}: RSS ${r.rssMB.toFixed(0)} MB, peak ${r.peakMB.toFixed(0)} MB (probe ${r.status})`);
console.log(`RSS threads=${many.threads} / threads=1: ${(many.rssMB / one.rssMB).toFixed(2)} (goal ≤ 1.30)`);
