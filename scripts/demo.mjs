// npm run demo: both sides on this machine. Starts the reference main system (test/support/
// ref-main-system, 20 seeded links lt_seed_0000001…), then clickrelay syncing from it and
// shipping to it, and shows the main system's click count as you click. Ctrl-C stops both.
//
// Ports: any free ones unless DEMO_PORT / DEMO_ADMIN_PORT / DEMO_MAIN_PORT say otherwise.
// If either side cannot start (a port in use, a build missing) the demo says why and exits
// non-zero instead of counting "0 clicks" for ever.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
const key = 'demo-key-' + Math.random().toString(36).slice(2);
const dataDir = mkdtempSync(join(tmpdir(), 'clickrelay-demo-'));
const port = Number(process.env.DEMO_PORT ?? 0);
const adminPort = Number(process.env.DEMO_ADMIN_PORT ?? 0);
const mainPort = Number(process.env.DEMO_MAIN_PORT ?? 0);
const READY_TIMEOUT_MS = 30_000;

const fail = (message, code = 1) => {
  console.error(`[demo] ${message}`);
  process.exitCode = code;
  relay?.kill('SIGTERM');
  main.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2000).unref();
};

const main = spawn(process.execPath, [join(root, 'test/support/ref-main-system/main.mjs'), '--key', key, '--port', String(mainPort), '--links', '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
let relay = null;
let mainInfo;
try {
  mainInfo = JSON.parse(await new Promise((resolve, reject) => {
    createInterface({ input: main.stdout }).once('line', resolve);
    main.once('exit', (code) => reject(new Error(`the reference main system exited (${code}) before listening`)));
  }));
} catch (err) {
  fail(err.message);
  await new Promise(() => {}); // fail() exits
}
console.log(`[demo] reference main system on ${mainInfo.url} with ${mainInfo.links} links`);

relay = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve'], {
  cwd: tmpdir(),
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    CLICKRELAY_CONFIG: '',
    CLICKRELAY_SERVER_PORT: String(port),
    CLICKRELAY_ADMIN_PORT: String(adminPort),
    CLICKRELAY_STORAGE_DATA_DIR: dataDir,
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: mainInfo.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY: key,
    CLICKRELAY_SYNC_SCHEDULE: '*/30 * * * * *',
    CLICKRELAY_LOG_LEVEL: process.env.CLICKRELAY_LOG_LEVEL ?? 'info',
  },
});
let stopping = false;
relay.once('exit', (code, signal) => {
  if (!stopping) fail(`clickrelay exited (${code ?? signal}) — see its last line above`, typeof code === 'number' && code !== 0 ? code : 1);
});

// serve writes serve.json once both listeners are up: it has the ports it really got.
const serveJson = join(dataDir, 'serve.json');
const until = Date.now() + READY_TIMEOUT_MS;
while (!existsSync(serveJson)) {
  if (process.exitCode) await new Promise(() => {});
  if (Date.now() > until) fail(`clickrelay did not start listening within ${READY_TIMEOUT_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, 100));
}
const running = JSON.parse(readFileSync(serveJson, 'utf8'));
const base = `http://127.0.0.1:${running.public_port}`;
console.log(`
[demo] clickrelay on ${base} (admin http://127.0.0.1:${running.admin_port}/, data in ${dataDir}). Try:
  curl -i ${base}/track/lt_seed_0000001
  curl -i '${base}/track/lt_seed_0000002?utm_source=demo' -H 'DNT: 1'
  curl -i ${base}/track/lt_seed_0000010      # inactive: 404
  open http://127.0.0.1:${running.admin_port}/ in a browser: the status page
  CLICKRELAY_STORAGE_DATA_DIR=${dataDir} node dist/cli/main.js status
Clicks stored by the main system are counted below every 5 s. Ctrl-C stops both.
`);

const count = setInterval(async () => {
  try {
    const r = await fetch(`${mainInfo.url}/api/link-tracking/analytics/lt_seed_0000001`, { headers: { Authorization: `Bearer ${key}` } });
    const body = await r.json();
    console.log(`[demo] main system: lt_seed_0000001 has ${body.click_statistics?.total_clicks ?? '?'} clicks`);
  } catch {
    /* main system stopping */
  }
}, 5000);

const stop = () => {
  stopping = true;
  clearInterval(count);
  relay.kill('SIGTERM');
  relay.once('exit', () => main.kill('SIGTERM'));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main.once('exit', () => process.exit(process.exitCode ?? 0));
