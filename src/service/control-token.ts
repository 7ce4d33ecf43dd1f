/**
 * `<data_dir>/admin-control.token`: the per-run bearer token of the admin listener's POST
 * routes (/admin/sync, /admin/ship), for the operator's CLI on the same host. The routes change
 * state, so they always want a bearer, loopback or not; a file in the data folder (0600, the
 * service user's) hands it to exactly those who may read that folder anyway, the service user
 * and root, and to no other local user. Replaced at every start (a token of an earlier run is
 * worthless), removed at a clean stop; a crash leaves a stale one, which the next start replaces.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

export const CONTROL_TOKEN_FILE = 'admin-control.token';

/** A fresh 256-bit token, written before the service says it listens; null when it could not be written (said by `onUnwritten`). */
export function writeControlToken(dataDir: string, onUnwritten: (err: unknown) => void): string | null {
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileAtomic(join(dataDir, CONTROL_TOKEN_FILE), `${token}\n`, { durable: false });
    return token;
  } catch (err) {
    onUnwritten(err);
    return null;
  }
}

/** Clean stop: the token dies with the run. */
export function removeControlToken(dataDir: string): void {
  rmSync(join(dataDir, CONTROL_TOKEN_FILE), { force: true });
}

/** The running serve's token as the CLI reads it; null when absent or unreadable (not the service user, not root). */
export function readControlToken(dataDir: string): string | null {
  try {
    const t = readFileSync(join(dataDir, CONTROL_TOKEN_FILE), 'utf8').trim();
    return t === '' ? null : t;
  } catch {
    return null;
  }
}
