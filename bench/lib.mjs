// Shared helpers for the benchmark scripts: start processes, wait for ports, run wrk and
// read its figures. Benchmarks never run in CI; they need wrk (Debian: apt-get install -y wrk).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export function requireWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    if (err.code === 'ENOENT') {
      console.error('wrk is not installed: apt-get install -y wrk');
      process.exit(2);
    }
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes n links (bench_000001 …) as NDJSON and the id list wrk rotates over. */
export function writeLinks(dir, n) {
  const ids = Array.from({ length: n }, (_, i) => `bench_${String(i + 1).padStart(6, '0')}`);
  writeFileSync(join(dir, 'links.ndjson'), ids.map((id) => JSON.stringify({ tracking_id: id, original_url: `https://example.com/target/${id}`, is_active: true })).join('\n') + '\n');
  writeFileSync(join(dir, 'ids.txt'), ids.join('\n') + '\n');
  return { linksFile: join(dir, 'links.ndjson'), idsFile: join(dir, 'ids.txt') };
}

/** `cpus` ("2-5"): the server runs on those cores only (taskset), away from a pinned wrk. */
export function start(cmd, args, env = {}, cpus = null, cwd = undefined) {
  const [c, a] = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.output = () => out;
  return child;
}

export async function waitFor(url, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(url, { redirect: 'manual' });
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}`);
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(t);
}

const wrkArgs = (base, { idsFile, seconds = 10, connections = 64, threads = 2 }) => [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', new URL('./rotate.lua', import.meta.url).pathname, base, '--', idsFile];

/** Runs wrk against base with the rotating-id script; returns req/s and latency percentiles (ms). */
export function wrk(base, opts) {
  // opts.cpus ("0-1"): wrk pinned to cores of its own (taskset execs wrk: its CPU is still this process's child's).
  if (opts.cpus) return parseWrk(execFileSync('taskset', ['-c', opts.cpus, 'wrk', ...wrkArgs(base, opts)], { encoding: 'utf8' }));
  return parseWrk(execFileSync('wrk', wrkArgs(base, opts), { encoding: 'utf8' }));
}

/** The same without blocking this process's event loop (when this process also serves). */
export async function wrkAsync(base, opts) {
  const { execFile } = await import('node:child_process');
  const out = await new Promise((resolve, reject) => execFile('wrk', wrkArgs(base, opts), { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
  return parseWrk(out);
}

/**
 * Runs wrk from now until `done()` turns true (polled every 100 ms), then stops it with
 * SIGINT, on which wrk ends the run and prints its figures as usual. For load that must
 * span exactly one event of unknown length (a re-sync).
 */
export async function wrkUntil(base, opts, done, maxSeconds = 600) {
  const { spawn } = await import('node:child_process');
  const child = spawn('wrk', wrkArgs(base, { ...opts, seconds: maxSeconds }), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = Date.now();
  while (!done() && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const seconds = (Date.now() - started) / 1000;
  child.kill('SIGINT');
  await exited;
  return { ...parseWrk(out), seconds };
}

function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const pct = (p) => toMs(new RegExp(`^\\s+${p}%\\s+([\\d.]+\\w+)`, 'm').exec(out)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1] ?? 'none';
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  return { rps, requests, p50: pct(50), p90: pct(90), p99: pct(99), non3xx: Number(errors), socketErrors, raw: out };
}

function toMs(s) {
  if (!s) return NaN;
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

export function table(rows) {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(width[i])).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}

/**
 * CPU seconds so far, from /proc (Linux): the server's main thread (tid = pid), its other
 * threads together (worker threads, V8 and libuv helpers), and this process's waited-for
 * children (cutime + cstime), which across one synchronous wrk() call is wrk alone. null when
 * /proc is not there. Two snapshots around a run give CPU per request for each side: the
 * shared cores are split between them, so this is where a ratio to bare comes from.
 */
export function cpuSnapshot(pid) {
  try {
    const ticks = (stat, from) => {
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces
      return Number(f[from - 3]) + Number(f[from - 2]);
    };
    let main = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const t = ticks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), 14); // utime + stime
      if (Number(tid) === pid) main += t;
      else others += t;
    }
    const children = ticks(readFileSync('/proc/self/stat', 'utf8'), 16); // cutime + cstime
    const hz = clockTicks();
    return { main: main / hz, others: others / hz, children: children / hz };
  } catch {
    return null;
  }
}

let hzCache = 0;
function clockTicks() {
  hzCache ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return hzCache;
}

/** µs of CPU per request for each side between two cpuSnapshot()s; null if either is missing. */
export function cpuPerRequest(before, after, requests) {
  if (!before || !after || !(requests > 0)) return null;
  const us = (k) => ((after[k] - before[k]) * 1e6) / requests;
  return { main: us('main'), others: us('others'), wrk: us('children') };
}

/** A click as the privacy stage would record it, for filling an outbox (ship benches). */
export function benchClick(i, newClickId) {
  return {
    click_id: newClickId(),
    tracking_id: `lt_seed_${String((i % 1000) + 1).padStart(7, '0')}`,
    clicked_at: new Date().toISOString(),
    ip_address: '203.0.113.0',
    user_agent: 'Chrome 120 / Windows',
    referrer_url: 'https://mail.google.com',
    session_id: 'b'.repeat(32),
    click_source: 'email',
    metadata: { utm_source: 'newsletter', utm_medium: 'email' },
    anonymous: false,
  };
}

/** n clicks recorded into `outbox`, in chunks so the writer's queue stays bounded. */
export async function fillOutbox(outbox, n, newClickId) {
  const CHUNK = 20_000;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    await new Promise((resolve, reject) => {
      let left = m;
      for (let k = 0; k < m; k++) outbox.record(benchClick(i + k, newClickId), (err) => (err ? reject(err) : --left === 0 && resolve()));
    });
  }
}
