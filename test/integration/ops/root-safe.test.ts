/**
 * Commands run as root against a data folder owned by the service user (as the README
 * advises, with serve under DynamicUser=): the files they leave are the service's, a serve
 * running as that user opens everything, a healthy mirror is never moved aside, and a file
 * the service cannot open is reported as a permission error, not as damage or absence.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { foreignFiles, SERVICE_USER, removeServiceInstall, serviceOwnedDataDir, serviceReachableCli, serviceUserUnavailable } from '../../support/service-user.js';
import { cli as checkoutCli } from '../audit/cli.js';

const skip = serviceUserUnavailable();
// Root's commands switch to the folder's owner and then load modules: an install that user can read.
const cli = (args: string[], env: Record<string, string>) => checkoutCli(args, env, serviceReachableCli());
const LINKS = resolve(import.meta.dirname, '../../../config/links.example.json');
const made: string[] = [];

function folder(): { base: string; dataDir: string; links: string } {
  const f = serviceOwnedDataDir('cr-rootsafe-');
  made.push(f.base);
  const links = join(f.base, 'links.json');
  copyFileSync(LINKS, links);
  chmodSync(links, 0o644);
  return { ...f, links };
}

async function serveAsService(env: Record<string, string>): Promise<{ child: Child; port: number; admin: number }> {
  const port = await freePort();
  const admin = await freePort();
  const child = runCli(['serve'], { ...env, CLICKRELAY_SERVER_PORT: String(port), CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_LOG_LEVEL: 'warn' }, undefined, SERVICE_USER, serviceReachableCli());
  return { child, port, admin };
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  await child.exited;
}

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
  removeServiceInstall();
});

describe.skipIf(skip !== '')('commands run as root on the service user\'s folder', () => {
  it('sync and dead-letters purge as root leave only files the service owns; serve as the service user opens them all', async () => {
    const { dataDir, links } = folder();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: links };

    const synced = await cli(['sync'], env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(existsSync(join(dataDir, 'mirror.db'))).toBe(true);
    expect(foreignFiles(dataDir)).toEqual([]);

    // The service creates its outbox and head as itself.
    const first = await serveAsService(env);
    await waitReady(first.admin, first.child);
    expect((await fetch(`http://127.0.0.1:${first.port}/track/lt_test123456789`, { redirect: 'manual' })).status).toBe(302);
    await stop(first.child);

    const purged = await cli(['dead-letters', 'purge', '--all'], env);
    expect(purged.code, purged.stderr).toBe(0);
    const resynced = await cli(['sync', '--force'], env);
    expect(resynced.code, resynced.stderr).toBe(0);
    expect(foreignFiles(dataDir)).toEqual([]);

    const second = await serveAsService(env);
    await waitReady(second.admin, second.child);
    // The mirror the root sync wrote is served, not moved aside as "corrupt".
    expect((await fetch(`http://127.0.0.1:${second.port}/track/lt_test123456789`, { redirect: 'manual' })).status).toBe(302);
    await stop(second.child);
    expect(readdirSync(dataDir).filter((f) => f.includes('corrupt'))).toEqual([]);
    expect(second.child.output()).not.toMatch(/CR_ERR_MIRROR_CORRUPT|CR_ERR_DATA_PERMISSION/);
  }, 90_000);

  it('a root-owned 0600 mirror.db is a permission error: serve refuses to start and the file stays where it is', async () => {
    const { dataDir, links } = folder();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: links };
    expect((await cli(['sync'], env)).code).toBe(0);
    // What an older clickrelay's `sync` as root left behind.
    chownSync(join(dataDir, 'mirror.db'), 0, 0);
    chmodSync(join(dataDir, 'mirror.db'), 0o600);
    const s = await serveAsService(env);
    const code = await s.child.exited;
    expect(code).not.toBe(0);
    expect(s.child.output()).toContain('CR_ERR_MIRROR_PERMISSION');
    expect(s.child.output()).not.toContain('CR_ERR_MIRROR_CORRUPT');
    expect(existsSync(join(dataDir, 'mirror.db'))).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.includes('corrupt'))).toEqual([]);
  }, 60_000);

  it('a root-owned outbox.head is a permission error, never "no head"', async () => {
    const { dataDir, links } = folder();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: links };
    const first = await serveAsService(env);
    await waitReady(first.admin, first.child);
    await stop(first.child);
    chownSync(join(dataDir, 'outbox.head'), 0, 0);
    chmodSync(join(dataDir, 'outbox.head'), 0o600);
    const s = await serveAsService(env);
    expect(await s.child.exited).not.toBe(0);
    expect(s.child.output()).toContain('CR_ERR_DATA_PERMISSION');
    expect(s.child.output()).toContain('outbox.head');
  }, 60_000);

  it('refuses, naming the command to use, when the owner cannot reach the folder (DynamicUser\'s /var/lib/private)', async () => {
    const { base, links } = folder();
    const priv = join(base, 'private');
    mkdirSync(priv, { mode: 0o700 }); // root's, like /var/lib/private
    const dataDir = join(priv, 'clickrelay');
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, SERVICE_USER.uid, SERVICE_USER.gid);
    const r = await cli(['sync'], { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: links });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CR_ERR_DATA_DIR_OWNER');
    expect(r.stderr).toContain('systemd-run');
    expect(readdirSync(dataDir)).toEqual([]);
    // Reading needs no switch: status still answers as root.
    const st = await cli(['status'], { CLICKRELAY_STORAGE_DATA_DIR: dataDir });
    expect(st.stderr).not.toContain('CR_ERR_DATA_DIR_OWNER');
  }, 60_000);
});
