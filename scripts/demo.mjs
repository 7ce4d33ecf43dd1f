// npm run demo: both sides on this machine. Starts the reference main system (test/support/
// ref-main-system, 20 seeded links lt_seed_0000001…), then clickrelay syncing from it and
// shipping to it, and shows the main system's click counts, every link, as you click.
// Ctrl-C stops both and removes the demo's temp folder.
//
// Ports: any free ones unless DEMO_PORT / DEMO_ADMIN_PORT / DEMO_MAIN_PORT say otherwise.
// If either side cannot start (a port in use, a build missing) the demo says why and exits
// non-zero instead of counting "0 clicks" for ever.
//
// clickrelay runs from a config file the demo writes (not from environment variables), so the
// `status` command it prints reads the very settings serve runs with: no "differs" warnings.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
const key = 'demo-key-' + Math.random().toString(36).slice(2);
// One temp folder holds everything the demo makes (config, key file, data): removed at exit.
const demoDir = mkdtempSync(join(tmpdir(), 'clickrelay-demo-'));
const dataDir = join(demoDir, 'data');
const configFile = join(demoDir, 'clickrelay.toml');
const port = Number(process.env.DEMO_PORT ?? 0);
const adminPort = Number(process.env.DEMO_ADMIN_PORT ?? 0);
const mainPort = Number(process.env.DEMO_MAIN_PORT ?? 0);
const READY_TIMEOUT_MS = 30_000;
const COUNT_EVERY_MS = Number(process.env.DEMO_COUNT_EVERY_MS ?? 5000);

// Whatever ends the demo (Ctrl-C, a failure, the main system exiting), the folder goes.
process.on('exit', () => rmSync(demoDir, { recursive: true, force: true }));

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

mkdirSync(dataDir, { mode: 0o700 });
writeFileSync(join(demoDir, 'api-key'), key, { mode: 0o600 });
writeFileSync(
  configFile,
  [
    '# Written by npm run demo; removed when it stops.',
    '[server]',
    `port = ${port}`,
    '[admin]',
    `port = ${adminPort}`,
    '[storage]',
    `data_dir = ${JSON.stringify(dataDir)}`,
    '[main_system]',
    `base_url = ${JSON.stringify(mainInfo.url)}`,
    `api_key_file = ${JSON.stringify(join(demoDir, 'api-key'))}`,
    '[sync]',
    'schedule = "*/30 * * * * *"',
    '[log]',
    `level = ${JSON.stringify(process.env.CLICKRELAY_LOG_LEVEL ?? 'info')}`,
    '',
  ].join('\n'),
  { mode: 0o600 },
);

// Only the config file speaks: a CLICKRELAY_* variable in the caller's shell would make serve
// differ from the status command printed below.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLICKRELAY_')));
relay = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--config', configFile], { cwd: tmpdir(), stdio: ['ignore', 'inherit', 'inherit'], env });
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
[demo] clickrelay on ${base} (admin http://127.0.0.1:${running.admin_port}/, config ${configFile}). Try:
  curl -i ${base}/track/lt_seed_0000001
  curl -i '${base}/track/lt_seed_0000002?utm_source=demo' -H 'DNT: 1'
  curl -i ${base}/track/lt_seed_0000010      # inactive: 404
  open http://127.0.0.1:${running.admin_port}/ in a browser: the status page
  node ${join(root, 'dist/cli/main.js')} status --config ${configFile}
The main system's click counts, every link, are shown below when they change. Ctrl-C stops both.
`);

const auth = { headers: { Authorization: `Bearer ${key}` } };

/** Every link the main system has, through its listing (paged). */
async function linkIds() {
  const ids = [];
  let cursor = '';
  do {
    const r = await fetch(`${mainInfo.url}/api/link-tracking/links?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, auth);
    const page = await r.json();
    for (const l of page.links ?? []) ids.push(l.tracking_id);
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return ids;
}

let last = '';
async function countClicks() {
  const counts = [];
  for (const id of await linkIds()) {
    const r = await fetch(`${mainInfo.url}/api/link-tracking/analytics/${encodeURIComponent(id)}`, auth);
    if (!r.ok) continue;
    const n = (await r.json()).click_statistics?.total_clicks ?? 0;
    if (n > 0) counts.push([id, n]);
  }
  const total = counts.reduce((a, [, n]) => a + n, 0);
  const line = `[demo] main system: ${total} click${total === 1 ? '' : 's'} in all${counts.length ? ` (${counts.map(([id, n]) => `${id}: ${n}`).join(', ')})` : ''}`;
  if (line !== last) console.log(line);
  last = line;
}

let counting = false;
const count = setInterval(async () => {
  if (counting) return; // a slow round is not overtaken by the next
  counting = true;
  try {
    await countClicks();
  } catch {
    /* main system stopping */
  } finally {
    counting = false;
  }
}, COUNT_EVERY_MS);

const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(count);
  relay.kill('SIGTERM');
  relay.once('exit', () => main.kill('SIGTERM'));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main.once('exit', () => process.exit(process.exitCode ?? 0));
