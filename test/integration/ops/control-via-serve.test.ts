/**
 * The systemd set-up the README documents, with real processes: `serve` runs as the service
 * user (nobody) and its API key exists only in the $CREDENTIALS_DIRECTORY it was given; the
 * operator runs `clickrelay sync` and `ship --once` as root, with no key anywhere in reach. The
 * CLI asks the running serve through its admin listener (the per-run control token in the data
 * folder, which root may read), and the serve does the work with its own credentials, its own
 * writer and its own shipper, against the reference main system.
 *
 * The root CLI here runs from an install inside a 0700 folder (as a checkout under /root is):
 * asking the serve needs no switch to the service user, so nothing is loaded as a user who
 * cannot read the install; doing the work itself is refused up front, naming the install.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { foreignFiles, removeServiceInstall, SERVICE_USER, serviceOwnedDataDir, serviceReachableCli, serviceUserUnavailable } from '../../support/service-user.js';
import { waitFor } from '../../support/wait-for.js';
import { cli as checkoutCli, type CliResult } from '../audit/cli.js';

const skip = serviceUserUnavailable();
const API_KEY = 'only-in-the-credentials-directory';
const made: string[] = [];

/** The built CLI copied into a folder only root may enter (node_modules linked: the modules of dist/ are what is loaded late). */
function privateInstall(): string {
  const outer = mkdtempSync(join(tmpdir(), 'cr-private-'));
  chmodSync(outer, 0o700);
  made.push(outer);
  const root = resolve(dirname(CLI), '../..');
  const into = join(outer, 'install');
  mkdirSync(into);
  cpSync(join(root, 'dist'), join(into, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(into, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'));
  return join(into, 'dist', 'cli', 'main.js');
}

describe.skipIf(skip !== '')('sync and ship --once as root, asked of a serve whose key only it has', () => {
  let main: RefMainSystem;
  let serve: Child;
  let dataDir: string;
  let base: string;
  let publicPort: number;
  let adminPort: number;
  let rootCli: (args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    main = await startRefMainSystem({ apiKey: API_KEY, links: 20 });
    const f = serviceOwnedDataDir('cr-control-');
    made.push(f.base);
    ({ dataDir, base } = f);
    // systemd's LoadCredential=: a folder of the unit's, readable by the service user only.
    const creds = join(base, 'credentials');
    mkdirSync(creds, { mode: 0o700 });
    writeFileSync(join(creds, 'main_system_api_key'), `${API_KEY}\n`, { mode: 0o400 });
    chownSync(join(creds, 'main_system_api_key'), SERVICE_USER.uid, SERVICE_USER.gid);
    chownSync(creds, SERVICE_USER.uid, SERVICE_USER.gid);
    publicPort = await freePort();
    adminPort = await freePort();
    const common = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url };
    serve = runCli(
      ['serve'],
      { ...common, CREDENTIALS_DIRECTORY: creds, CLICKRELAY_SERVER_PORT: String(publicPort), CLICKRELAY_ADMIN_PORT: String(adminPort), CLICKRELAY_SERVER_THREADS: '1', CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '60000', CLICKRELAY_LOG_LEVEL: 'info' },
      undefined,
      SERVICE_USER,
      serviceReachableCli(),
    );
    await waitReady(adminPort, serve, 60_000);
    const cliPath = privateInstall();
    // Root's environment: the same configuration, no key, no credentials directory.
    const env = { ...common, CLICKRELAY_MAIN_SYSTEM_API_KEY: '', CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: '', CREDENTIALS_DIRECTORY: '' };
    rootCli = (args) => checkoutCli(args, env, cliPath);
  }, 120_000);

  afterAll(async () => {
    if (serve && serve.proc.exitCode === null) {
      serve.proc.kill('SIGTERM');
      await serve.exited;
    }
    await main?.close();
    for (const d of made) rmSync(d, { recursive: true, force: true });
    removeServiceInstall();
  });

  it('sync: the serve syncs, a new link redirects at once, and root leaves no file behind', async () => {
    main.addLinks([{ tracking_id: 'lt_added_by_sync', original_url: 'https://jobs.example.com/new' }]);
    const r = await rootCli(['sync']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mirror synced from http:\/\/127\.0\.0\.1:\d+.*: 1 added/);
    expect(r.stderr).toContain(`done by the running serve (pid ${serve.proc.pid}) through its admin listener http://127.0.0.1:${adminPort}`);
    const res = await fetch(`http://127.0.0.1:${publicPort}/track/lt_added_by_sync`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://jobs.example.com/new');
    expect(foreignFiles(dataDir)).toEqual([]);
    expect(serve.output()).toMatch(/"event":"admin_control","route":"\/admin\/sync"/);
  }, 60_000);

  it('sync --json prints the serve\'s answer in the shape of an in-process sync --json', async () => {
    const r = await rootCli(['sync', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ ok: true, changed: false, active: expect.any(Number), inactive: expect.any(Number), rejected: {}, rejectedSamples: {}, durationMs: expect.any(Number), source: `${main.url}/` });
  }, 60_000);

  it('ship --once: exit 1 with why while the main system is down, exit 0 once it ships the clicks', async () => {
    await main.setDown(true);
    for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${publicPort}/track/lt_seed_0000001`, { redirect: 'manual' })).status).toBe(302);
    // The clicks are in the outbox (committed, as status reads them) before ship --once is asked.
    await waitFor(
      '3 clicks pending',
      async () => {
        const st = await rootCli(['status', '--json']);
        if (st.code !== 0) throw new Error(st.stderr);
        return (JSON.parse(st.stdout) as { outbox: { pending: number } }).outbox.pending === 3;
      },
      { stepMs: 200 },
    );
    const down = await rootCli(['ship', '--once', '--timeout', '2']);
    expect(down.code, down.stdout + down.stderr).toBe(1);
    expect(down.stdout).toMatch(/^shipped 0 clicks \(0 already recorded by the main system\), 3 still pending, 0 dead letters$/m);
    expect(down.stdout).toMatch(/^why: .*ECONNREFUSED.*; gave up after --timeout 2 s$/m);
    expect(down.stderr).toContain(`done by the running serve (pid ${serve.proc.pid})`);

    await main.setDown(false);
    // The serve's own shipper sits in a backoff of up to a minute (max_backoff_ms): ship --once cuts it short.
    const up = await rootCli(['ship', '--once', '--timeout', '30']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/, 0 still pending, 0 dead letters$/m);
    expect(main.clicks().filter((c) => c.tracking_id === 'lt_seed_0000001')).toHaveLength(3);
    expect(foreignFiles(dataDir)).toEqual([]);
  }, 90_000);

  it('the control routes refuse a client without the token, or with a wrong one (401), and the token is the service user\'s 0600 file', async () => {
    const url = `http://127.0.0.1:${adminPort}/admin/ship`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${adminPort}/admin/sync`, { method: 'POST', body: '{"force":true}' })).status).toBe(401);
    const st = statSync(join(dataDir, 'admin-control.token'));
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: SERVICE_USER.uid, mode: 0o600 });
    const token = readFileSync(join(dataDir, 'admin-control.token'), 'utf8').trim();
    expect((await fetch(url, { method: 'POST', body: '{"timeout_s":5}', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  }, 30_000);

  it('with the serve stopped: the token is gone, and root running from a private install refuses up front instead of failing half-way', async () => {
    serve.proc.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(existsSync(join(dataDir, 'admin-control.token'))).toBe(false);
    const r = await rootCli(['sync']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CR_ERR_DATA_DIR_OWNER: .*cannot read this clickrelay install .*cr-private-/);
    expect(r.stderr).not.toMatch(/INSTALL_CHANGED|Cannot find module/);
    expect(foreignFiles(dataDir)).toEqual([]);
  }, 30_000);
});

describe('a serve that runs but does not answer on its admin listener', () => {
  it('sync names the address and what to do, and does nothing itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-unreachable-'));
    made.push(dir);
    const port = await freePort();
    // serve.json of a live process (this test's) whose admin port nobody listens on.
    writeFileSync(join(dir, 'serve.json'), JSON.stringify({ pid: process.pid, started_at: new Date().toISOString(), admin_port: port, public_port: 1, settings: { 'admin.host': '127.0.0.1' } }));
    const r = await checkoutCli(['sync'], { CLICKRELAY_STORAGE_DATA_DIR: dir, CLICKRELAY_SYNC_FILE: join(dir, 'none.json') });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^clickrelay: CR_ERR_ADMIN_UNREACHABLE: clickrelay serve \\(pid ${process.pid}\\) holds .* admin listener at http://127\\.0\\.0\\.1:${port} does not answer \\(.*ECONNREFUSED`));
    expect(existsSync(join(dir, 'mirror.db'))).toBe(false);
    expect(existsSync(join(dir, 'mirror-sync.json'))).toBe(false);
  }, 30_000);
});
