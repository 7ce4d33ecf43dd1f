// npm run soak — 10 minutes (SOAK_MINUTES) of mixed load on one serve: well-behaved
// clients from many /24s, one abusive client over the rate limit, slow clients trickling
// headers, and hostile requests. Every 30 s window reports RSS, req/s, p99, 429s and
// anything 5xx. Not a test; needs wrk (apt-get install -y wrk).
import { execFile } from 'node:child_process';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireWrk, start, stop, table, tempDir, waitFor, writeLinks } from './lib.mjs';

requireWrk();
const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const windowS = 30;
const dir = tempDir('clickrelay-soak-');
const { linksFile, idsFile } = writeLinks(dir, 1000);
const [port, admin] = [await freePort(), await freePort()];
const serve = start(process.execPath, [new URL('../dist/cli/main.js', import.meta.url).pathname, 'serve'], {
  CLICKRELAY_CONFIG: '',
  CLICKRELAY_SERVER_PORT: String(port),
  CLICKRELAY_ADMIN_PORT: String(admin),
  CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
  CLICKRELAY_SYNC_FILE: linksFile,
  CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32',
  CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '20',
  CLICKRELAY_SERVER_RATE_LIMIT_BURST: '40',
  CLICKRELAY_LOG_LEVEL: 'warn',
});
await waitFor(`http://127.0.0.1:${admin}/readyz`);
const base = `http://127.0.0.1:${port}`;
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const wrkRun = (script, conns, args = []) =>
  new Promise((resolve) =>
    execFile('wrk', ['-t1', `-c${conns}`, `-d${windowS}s`, '--latency', '-s', new URL(script, import.meta.url).pathname, base, '--', ...args], { encoding: 'utf8' }, (_e, out) => resolve(out ?? '')),
  );
const num = (re, s) => Number(re.exec(s)?.[1] ?? 0);
const ms = (s) => {
  const m = /([\d.]+)(us|ms|s)\b/.exec(s ?? '');
  return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
};

/** Slow clients: sockets that send a header byte per second until the server cuts them. */
let slowCut = 0;
function slowClient() {
  const s = net.connect(port, '127.0.0.1');
  const text = 'GET /track/bench_000002 HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(10_000);
  let i = 0;
  const t = setInterval(() => s.write(text[i++ % text.length]), 1000);
  s.on('close', () => {
    clearInterval(t);
    slowCut++;
    if (!stopping) slowClient();
  });
  s.on('error', () => undefined);
}
/** Hostile requests: odd paths and headers, a few per second; counts any 5xx. */
let hostile = 0;
let hostile5xx = 0;
async function hostileLoop() {
  const paths = ['/track/%00', '/track/../../etc/passwd', '/track/' + 'x'.repeat(5000), '/admin', '/track/a%0d%0aSet-Cookie:x', '/track/<script>'];
  while (!stopping) {
    const p = paths[hostile++ % paths.length];
    try {
      const r = await fetch(base + p, { redirect: 'manual', headers: { 'X-Forwarded-For': 'not-an-ip, 999.1.1.1', Referer: 'javascript:alert(1)' } });
      if (r.status >= 500) hostile5xx++;
      await r.arrayBuffer();
    } catch {
      /* connection refused by a limit is fine */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

let stopping = false;
for (let i = 0; i < 10; i++) slowClient();
const hostileDone = hostileLoop();
const rows = [];
const windows = Math.max(1, Math.round((minutes * 60) / windowS));
const rss0 = rss();
for (let w = 0; w < windows; w++) {
  const [good, bad] = await Promise.all([wrkRun('./rotate-xff.lua', 32, [idsFile]), wrkRun('./abusive.lua', 8)]);
  rows.push({
    window: `${((w + 1) * windowS) / 60} min`,
    'RSS MiB': rss().toFixed(0),
    'clients req/s': num(/Requests\/sec:\s+([\d.]+)/, good).toFixed(0),
    'clients p99 ms': ms(/^\s+99%\s+(\S+)/m.exec(good)?.[1]).toFixed(2),
    'clients non-3xx': num(/Non-2xx or 3xx responses: (\d+)/, good),
    'abuser req/s': num(/Requests\/sec:\s+([\d.]+)/, bad).toFixed(0),
    'abuser non-3xx (429)': num(/Non-2xx or 3xx responses: (\d+)/, bad),
    'slow cut': slowCut,
    'hostile 5xx': hostile5xx,
  });
  console.log(JSON.stringify(rows.at(-1)));
}
stopping = true;
await hostileDone;
const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
await stop(serve);
console.log(`\nsoak ${minutes} min, RSS ${rss0.toFixed(0)} → ${rows.at(-1)['RSS MiB']} MiB, hostile requests ${hostile}, exit ${serve.exitCode}\n`);
console.log(table(rows));
console.log('\n' + metrics.split('\n').filter((l) => /^clickrelay_(redirects_total|click_write_errors_total|clicks_recorded_total)/.test(l)).join('\n'));
