/**
 * A data folder owned by another user, as under systemd (the service runs as its own user, the
 * operator's commands as root). The tests run as root; `nobody` stands for the service user.
 */
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CLI } from './child-service.js';

export const SERVICE_USER = { uid: 65534, gid: 65534 };

/** Why a root-vs-service-user test cannot run here, or '' when it can. */
export function serviceUserUnavailable(): string {
  if (process.getuid?.() !== 0) return 'not root: these tests run commands as root against a folder owned by nobody';
  return '';
}

/** A fresh base folder (0755, so `nobody` can reach into it) and a data folder in it owned by nobody, 0700. */
export function serviceOwnedDataDir(prefix: string): { base: string; dataDir: string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, SERVICE_USER.uid, SERVICE_USER.gid);
  return { base, dataDir };
}

/** Every file in the folder whose owner is not the service user: what the service could not open. */
export function foreignFiles(dataDir: string): string[] {
  return readdirSync(dataDir).filter((f) => statSync(join(dataDir, f)).uid !== SERVICE_USER.uid);
}

/** Whether a user other than the owner may pass through every folder above `path` (o+x). */
function othersReach(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

let copied: string | null = null;

/**
 * The CLI as the service user can run it. A command run as root acts as the data folder's
 * owner and loads modules after the switch (the sync thread), and serve runs as that user: both
 * need an install that user can read. A checkout in a private folder (a 0700 home, as root's
 * is) is not one, so the install (dist, package.json, node_modules) is copied once into a
 * folder everybody may enter, as a real install under /opt would be.
 */
export function serviceReachableCli(): string {
  if (othersReach(CLI)) return CLI;
  if (copied) return copied;
  const root = resolve(dirname(CLI), '../..');
  const into = mkdtempSync(join(tmpdir(), 'cr-install-'));
  chmodSync(into, 0o755);
  for (const part of ['dist', 'package.json', 'node_modules']) cpSync(join(root, part), join(into, part), { recursive: true, verbatimSymlinks: true });
  copied = join(into, 'dist', 'cli', 'main.js');
  return copied;
}

/** Removes the copy serviceReachableCli made, if it made one (a few hundred MB). */
export function removeServiceInstall(): void {
  if (copied) rmSync(resolve(dirname(copied), '../..'), { recursive: true, force: true });
  copied = null;
}
