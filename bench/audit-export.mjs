// Audit and export on a large outbox: builds N clicks (default 1,000,000) through the real
// Outbox writer in fast mode (so the hash chain, head file and schema are the real ones),
// ships most of them, then times `clickrelay audit` and `clickrelay export` as child
// processes and reports wall time and peak RSS. Targets: audit <= 20 s, export <= 10 s,
// peak RSS <= 200 MiB.
//
//   npm run build && node bench/audit-export.mjs [--rows N] [--dir DIR]
//
// --dir reuses (or creates) the data folder, so repeated runs skip the build step.
// Peak RSS comes from /usr/bin/time -v when present, else from process.resourceUsage()
// printed by the child itself (CLICKRELAY_BENCH_RUSAGE=1, see the preload below).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { tempDir } from './lib.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
if (!existsSync(CLI)) {
  console.error('dist/ is missing: run "npm run build" first');
  process.exit(2);
}
const { Outbox, openOutboxReadOnly } = await import(join(ROOT, 'dist/outbox/index.js'));
const { anonymizeClick, policyFromConfig } = await import(join(ROOT, 'dist/privacy/index.js'));

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, dir: { type: 'string' } } });
const ROWS = Number(values.rows);
const dataDir = values.dir ? resolve(values.dir) : join(tempDir('cr-bench-audit-'), 'data');
mkdirSync(dataDir, { recursive: true });

const DAY = 86_400_000;
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERRERS = [undefined, 'https://mail.google.com/mail/u/0/#inbox', 'https://www.linkedin.com/feed/', 'https://example.org/blog/post?id=3'];

/** A pool of clicks as the service stores them (the real normalizer), reused with fresh ids and times. */
function pool(size) {
  const policy = policyFromConfig({ ipv4_prefix: 24, ipv6_prefix: 48, honor_dnt: true, honor_gpc: true, dnt_mode: 'count', referrer: 'origin', user_agent: 'reduced' }, '');
  const key = Buffer.alloc(32, 9);
  return Array.from({ length: size }, (_, i) =>
    anonymizeClick(
      {
        trackingId: `bench_${String(i % 500).padStart(6, '0')}`,
        clientIp: i % 5 === 0 ? `2001:db8:${(i % 65536).toString(16)}::${i % 100}` : `${10 + (i % 200)}.${i % 256}.${(i * 7) % 256}.${(i * 13) % 256}`,
        userAgent: UAS[i % UAS.length],
        referer: REFERRERS[i % REFERRERS.length],
        dnt: i % 20 === 7 ? '1' : undefined,
        rawQuery: i % 3 === 0 ? 'utm_source=newsletter&utm_medium=email&utm_campaign=spring' : '',
        receivedAt: new Date(),
      },
      policy,
      { clickId: 'x', sessionKey: key },
    ),
  );
}

async function build() {
  const ro = openOutboxReadOnly(dataDir);
  const have = ro.summary();
  ro.close();
  const existing = have.pending + have.shipped + have.dead_letter;
  if (existing >= ROWS) return { existing, ms: 0 };
  const t0 = performance.now();
  const outbox = await Outbox.open({ dataDir, durability: 'fast', commitIntervalMs: 5, maxQueued: 200_000 });
  const base = pool(5000);
  const start = Date.now() - 29 * DAY; // within the 30-day retention: a healthy outbox passes the audit
  const step = (29 * DAY) / ROWS;
  const BATCH = 50_000;
  for (let from = existing; from < ROWS; from += BATCH) {
    const to = Math.min(ROWS, from + BATCH);
    const ids = [];
    await new Promise((res, rej) => {
      let left = to - from;
      for (let i = from; i < to; i++) {
        const c = { ...base[i % base.length], click_id: uuidv7(), clicked_at: new Date(start + i * step).toISOString() };
        ids.push(c.click_id);
        outbox.record(c, (err) => (err ? rej(err) : --left === 0 && res()));
      }
    });
    // ship the older 80 %, as a service that keeps up with its main system would have
    if (from < ROWS * 0.8) await outbox.ackShipped(ids.slice(0, Math.max(0, Math.min(ids.length, ROWS * 0.8 - from))));
    process.stderr.write(`\r  built ${to}/${ROWS} clicks`);
  }
  await outbox.close();
  process.stderr.write('\n');
  return { existing, ms: performance.now() - t0 };
}

const haveTime = (() => {
  try {
    execFileSync('/usr/bin/time', ['-v', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// Child rusage when /usr/bin/time is absent: a preload prints it on exit.
const PRELOAD = join(tempDir('cr-bench-rusage-'), 'rusage-preload.cjs');
if (!haveTime) writeFileSync(PRELOAD, "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`\\nCLICKRELAY_RUSAGE ${JSON.stringify({ maxRSS_kb: u.maxRSS })}\\n`); });\n");

/** Runs the CLI; stdout to /dev/null, or counted through a pipe (which exercises backpressure). */
function run(args, { pipe = false } = {}) {
  const env = { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: dataDir };
  const node = [process.execPath, ...(haveTime ? [] : ['--require', PRELOAD]), CLI, ...args];
  const [cmd, ...argv] = haveTime ? ['/usr/bin/time', '-v', ...node] : node;
  const stdout = pipe ? 'pipe' : openSync('/dev/null', 'w');
  return new Promise((res) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', stdout, 'pipe'], cwd: dataDir });
    let err = '';
    let bytes = 0;
    let lines = 0;
    child.stderr.on('data', (d) => (err += d));
    if (pipe) {
      child.stdout.on('data', (d) => {
        bytes += d.length;
        for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
      });
    }
    child.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      const rssKb = haveTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1]) : JSON.parse(/CLICKRELAY_RUSAGE (.*)/.exec(err)?.[1] ?? '{}').maxRSS_kb;
      res({ code, wall, rssMiB: rssKb / 1024, bytes, lines, stderr: err });
    });
  });
}

console.log(`clickrelay audit/export benchmark: ${ROWS.toLocaleString('en')} clicks in ${dataDir}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; RSS from ${haveTime ? '/usr/bin/time -v' : 'process.resourceUsage()'}`);
const b = await build();
if (b.ms) console.log(`built in ${(b.ms / 1000).toFixed(1)} s (real Outbox writer, fast mode)${b.existing ? `, on top of ${b.existing} existing` : ''}`);

const results = [];
const report = (name, r, target, extra = '') => {
  const ok = r.wall <= target && r.rssMiB <= 200;
  results.push(ok);
  console.log(`${name.padEnd(42)} exit ${r.code}  ${r.wall.toFixed(2).padStart(6)} s (target ${target} s)  peak RSS ${r.rssMiB.toFixed(0).padStart(4)} MiB (target 200)  ${ok ? 'OK' : 'MISSED'}${extra}`);
};

const audit = await run(['audit']);
report('clickrelay audit', audit, 20, audit.code === 0 ? '' : `\n${audit.stderr.split('\n').slice(0, 5).join('\n')}`);
const csv = await run(['export', '--format', 'csv']);
report('clickrelay export --format csv >/dev/null', csv, 10);
const ndjson = await run(['export'], { pipe: true });
report('clickrelay export (ndjson) | pipe', ndjson, 10, `  ${ndjson.lines.toLocaleString('en')} lines, ${(ndjson.bytes / 2 ** 20).toFixed(0)} MiB`);
process.exitCode = results.every(Boolean) && audit.code === 0 && ndjson.lines === ROWS ? 0 : 1;
