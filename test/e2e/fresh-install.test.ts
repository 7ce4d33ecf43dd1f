/**
 * A fresh install outside systemd: no data folder yet, the usual umask 022 (or none at all).
 * Every command that writes makes the folder, private; every file in it is private; and a
 * folder that cannot be made says why, with its errno.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, freePort, waitReady, type Child } from '../support/child-service.js';
import { waitFor } from '../support/wait-for.js';

beforeAll(() => assertBuilt());

/** The CLI under a given umask (a shell sets it, as a login shell or a cron job would). */
function cliArgs(umask: string, args: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, CLI, ...args]];
}

/**
 * Root without the capabilities that let it read and write past file modes (setpriv, util-linux):
 * a user the folder modes apply to, who can still read the checkout it owns wherever it was
 * cloned (as `nobody` it could not when the checkout sits in a private folder, e.g. /root).
 */
const BOUND_BY_MODES = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', '--'];

function runSyncCli(umask: string, args: string[], env: Record<string, string>, opts: { boundByModes?: boolean } = {}) {
  const [shell, shellArgs] = cliArgs(umask, args);
  const [cmd, argv] = opts.boundByModes ? [BOUND_BY_MODES[0]!, [...BOUND_BY_MODES.slice(1), shell, ...shellArgs]] : [shell, shellArgs];
  return spawnSync(cmd, argv, { cwd: tmpdir(), env: { ...process.env, CLICKRELAY_CONFIG: '', ...env }, encoding: 'utf8' });
}

function serve(umask: string, env: Record<string, string>): Child {
  const [cmd, argv] = cliArgs(umask, ['serve']);
  const proc = spawn(cmd, argv, { cwd: tmpdir(), env: { ...process.env, CLICKRELAY_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');
/** Every file in the folder with its mode, e.g. { "outbox.db": "0600" }. */
const modes = (dir: string) => Object.fromEntries(readdirSync(dir).map((n) => [n, mode(join(dir, n))]));

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'cr-fresh-'));
  const links = join(dir, 'links.json');
  writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_fresh', original_url: 'https://example.com/', is_active: true }]));
  chmodSync(dir, 0o755); // as a home folder or /srv would be: the modes below are our doing
  return { dir, links };
}

describe.each(['022', '000'])('a fresh install under umask %s', (umask) => {
  it('`sync` before any `serve` creates the data folder 0700 and its files 0600, and `serve` keeps every file 0600', async () => {
    const { dir, links } = fixture();
    const data = join(dir, 'state', 'clickrelay'); // two levels that do not exist yet
    const env = { CLICKRELAY_STORAGE_DATA_DIR: data, CLICKRELAY_SYNC_FILE: links, CLICKRELAY_LOG_LEVEL: 'warn' };

    const sync = runSyncCli(umask, ['sync'], env);
    expect(sync.status, sync.stderr).toBe(0);
    expect(mode(data)).toBe('0700');
    expect(modes(data)).toEqual({ 'mirror.db': '0600', 'mirror-sync.json': '0600' });

    const [port, admin] = [await freePort(), await freePort()];
    const child = serve(umask, { ...env, CLICKRELAY_SERVER_PORT: String(port), CLICKRELAY_ADMIN_PORT: String(admin) });
    await waitReady(admin, child);
    expect((await fetch(`http://127.0.0.1:${port}/track/lt_fresh`, { redirect: 'manual' })).status).toBe(302);
    await waitFor('outbox.head, written after the commit', () => existsSync(join(data, 'outbox.head')));
    const running = modes(data);
    child.proc.kill('SIGTERM');
    expect(await child.exited, child.output()).toBe(0);

    for (const f of ['outbox.db', 'outbox.db-wal', 'outbox.db-shm', 'outbox.head', 'serve.json', 'session-keys', 'mirror.db', 'mirror-sync.json']) {
      expect(running[f], `${f} while serving (${JSON.stringify(running)})`).toBe('0600');
    }
    expect(Object.values(running).filter((m) => m !== '0600'), JSON.stringify(running)).toEqual([]);
    expect(Object.values(modes(data)).filter((m) => m !== '0600'), JSON.stringify(modes(data))).toEqual([]);
    expect(mode(data)).toBe('0700');
  }, 60_000);
});

describe('a data folder that cannot be made', () => {
  it('`sync` and `serve` name the errno: ENOTDIR under a file', () => {
    const { dir, links } = fixture();
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const env = { CLICKRELAY_STORAGE_DATA_DIR: join(blocker, 'data'), CLICKRELAY_SYNC_FILE: links, CLICKRELAY_LOG_LEVEL: 'warn' };
    const sync = runSyncCli('022', ['sync'], env);
    expect(sync.status).toBe(1);
    expect(sync.stderr).toMatch(/ENOTDIR/);
    expect(sync.stderr).toContain(join(blocker, 'data'));
    const srv = runSyncCli('022', ['serve'], { ...env, CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0' });
    expect(srv.status).not.toBe(0);
    // The folder is checked once, first, with its own code (#26), before any stage opens a file.
    expect(srv.stderr).toMatch(/^clickrelay: CR_ERR_DATA_DIR: .*ENOTDIR/m);
  });

  it('`sync` names EACCES when the parent folder is not writable by the user', () => {
    const { dir, links } = fixture();
    const parent = join(dir, 'locked');
    const env = { CLICKRELAY_STORAGE_DATA_DIR: join(parent, 'data'), CLICKRELAY_SYNC_FILE: links, CLICKRELAY_LOG_LEVEL: 'warn' };
    mkdirSync(parent);
    chmodSync(parent, 0o555);
    // Root may write anywhere: run it then without the capabilities that let it, so `locked`'s mode applies.
    const sync = runSyncCli('022', ['sync'], env, { boundByModes: process.getuid?.() === 0 });
    expect(sync.status, sync.stderr).toBe(1);
    expect(sync.stderr).toMatch(/EACCES/);
    expect(sync.stderr).toContain(join(parent, 'data'));
  });
});
