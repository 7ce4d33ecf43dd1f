// npm run demo: both sides on this machine. Starts the reference main system (test/support/
// ref-main-system, 20 seeded links lt_seed_0000001…), then clickrelay syncing from it and
// shipping to it, and shows the main system's click count as you click. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
const key = 'demo-key-' + Math.random().toString(36).slice(2);
const dataDir = mkdtempSync(join(tmpdir(), 'clickrelay-demo-'));
const port = Number(process.env.DEMO_PORT ?? 8080);
const mainPort = Number(process.env.DEMO_MAIN_PORT ?? 8090);

const main = spawn(process.execPath, [join(root, 'test/support/ref-main-system/main.mjs'), '--key', key, '--port', String(mainPort), '--links', '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
const mainInfo = JSON.parse(await new Promise((resolve, reject) => {
  createInterface({ input: main.stdout }).once('line', resolve);
  main.once('exit', (code) => reject(new Error(`reference main system exited (${code})`)));
}));
console.log(`reference main system on ${mainInfo.url} with ${mainInfo.links} links`);

const relay = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve'], {
  cwd: tmpdir(),
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    CLICKRELAY_CONFIG: '',
    CLICKRELAY_SERVER_PORT: String(port),
    CLICKRELAY_STORAGE_DATA_DIR: dataDir,
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: mainInfo.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY: key,
    CLICKRELAY_SYNC_SCHEDULE: '*/30 * * * * *',
    CLICKRELAY_LOG_LEVEL: process.env.CLICKRELAY_LOG_LEVEL ?? 'info',
  },
});

console.log(`
clickrelay on http://127.0.0.1:${port} (data in ${dataDir}). Try:
  curl -i http://127.0.0.1:${port}/track/lt_seed_0000001
  curl -i 'http://127.0.0.1:${port}/track/lt_seed_0000002?utm_source=demo' -H 'DNT: 1'
  curl -i http://127.0.0.1:${port}/track/lt_seed_0000010      # inactive: 404
  node dist/cli/main.js status   (with CLICKRELAY_STORAGE_DATA_DIR=${dataDir})
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
  clearInterval(count);
  relay.kill('SIGTERM');
  relay.once('exit', () => main.kill('SIGTERM'));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main.once('exit', () => process.exit(0));
