/**
 * "Cannot open" is not "is damaged". A file made by a command run as root (0600 root:root)
 * is healthy, but SQLite reports it as SQLITE_CANTOPEN ("unable to open database file") with
 * no errno, exactly like a missing folder; treating that as corruption moved good mirrors
 * aside and made an unreadable outbox.head look absent. These helpers tell the two apart by
 * asking the file system directly, so callers can raise a permission error instead.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClickrelayError, describeCause } from '../errors.js';

const PERMISSION_ERRNOS = new Set(['EACCES', 'EPERM']);
/** SQLite's codes that may hide a mode problem (it has no errno to say so). */
const SQLITE_MAYBE_MODE = /^SQLITE_(CANTOPEN|READONLY|PERM|AUTH|IOERR)/;

/** True for an fs error that is a mode or ownership refusal. */
export function isPermissionErrno(err: unknown): boolean {
  return PERMISSION_ERRNOS.has((err as { code?: string } | null)?.code ?? '');
}

/**
 * The first of `path`, its existing SQLite companions and its folder that this process may
 * not use as a database needs (read, plus write unless `readonly`), or null when all are fine.
 */
export function deniedPathOf(path: string, readonly: boolean): string | null {
  const fileMode = readonly ? constants.R_OK : constants.R_OK | constants.W_OK;
  const checks: [string, number][] = [
    [dirname(path), constants.X_OK | (readonly ? 0 : constants.W_OK)],
    [path, fileMode],
    // WAL mode: even a read-only connection writes the -shm index.
    ...['-wal', '-shm', '-journal'].map((s): [string, number] => [path + s, s === '-journal' ? fileMode : constants.R_OK | constants.W_OK]),
  ];
  for (const [p, mode] of checks) {
    // Only a folder for the folder, only a file for the files: access(X_OK) on a regular file
    // where a folder belongs says EACCES even to root, and that is ENOTDIR's business.
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st || st.isDirectory() !== (p === checks[0]![0])) continue;
    try {
      accessSync(p, mode);
    } catch (err) {
      if (isPermissionErrno(err)) return p;
    }
  }
  return null;
}

/**
 * When `err` (from opening `path`) is really a permission refusal, the file that refuses;
 * else null (then it is whatever the caller thought: missing, damaged, …).
 */
export function permissionCauseOf(path: string, err: unknown, readonly = false): string | null {
  if (isPermissionErrno(err)) return (err as { path?: string }).path ?? path;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (!SQLITE_MAYBE_MODE.test(code)) return null;
  return deniedPathOf(path, readonly);
}

/** The one message for a file this user may not open: names it, its owner's uid and ours. */
export function permissionMessage(file: string, err: unknown): string {
  const who = typeof process.getuid === 'function' ? ` (this process runs as uid ${process.getuid()})` : '';
  return `${file} exists but cannot be opened${who}: ${describeCause(err)}; it is not damaged and is left in place`;
}

/** Rethrows `err` as CR_ERR_DATA_PERMISSION when it is a permission refusal on `path`; else returns. */
export function throwIfPermission(path: string, err: unknown, readonly = false): void {
  const denied = permissionCauseOf(path, err, readonly);
  if (denied !== null) throw new ClickrelayError('CR_ERR_DATA_PERMISSION', permissionMessage(denied, err), { cause: err });
}
