/**
 * One process at a time writes a data folder. Two `serve` processes on one folder each ran a
 * writer with its own idea of the chain's tip: their inserts collided, fail-open answered the
 * losers' clicks 302, and hundreds of answered clicks were recorded nowhere (issue #26).
 *
 * The lock is SQLite's own file lock (POSIX fcntl, the kernel's) on a dedicated file,
 * `<data_dir>/serve.lock`, held as a write transaction that never commits (RESERVED): the
 * kernel drops it when the process dies, however it dies (measured with SIGKILL: the next
 * start takes it at once), it works between users and across network and PID namespaces
 * (it belongs to the file, not to an address), and it needs no native addon of our own.
 * An abstract-namespace unix socket was the other candidate: it is per network namespace
 * (a serve in a container with its own network would not see the other) and any local user
 * can squat its name. Nothing is ever written under the lock, and its journal is in memory, so
 * no file but the empty lock file is needed (a full disk still locks) and none is left behind.
 *
 * One lock covers every outbox shard and every thread of the holder: the holder is the process.
 * Who holds it is written beside it (`serve.lock.json`, pid and command) after it is taken,
 * so a refused command can name the holder; a file naming a dead pid is stale and ignored.
 */
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClickrelayError, describeCause } from '../errors.js';
import { pidAlive } from '../lib/pid.js';
import { writeFileAtomic } from './atomic-write.js';
import { preparePrivateDatabase } from './data-dir.js';

export const LOCK_FILE = 'serve.lock';
export const HOLDER_FILE = 'serve.lock.json';

export interface LockHolder {
  pid: number;
  /** the command holding it: "serve", "ship --once", "dead-letters requeue", … */
  command: string;
  since: string;
}

export interface DataDirLock {
  readonly dir: string;
  /** Lets the next process in (also done by the kernel when this process dies). */
  release(): void;
}

/** The lock, or the holder that has it (null when the holder cannot be named). */
export type LockAttempt = { lock: DataDirLock } | { heldBy: LockHolder | null };

/** Takes the data folder's lock without waiting. The folder must exist (ensureDataDir). */
export function tryLockDataDir(dir: string, command: string): LockAttempt {
  const path = join(dir, LOCK_FILE);
  preparePrivateDatabase(path);
  const db = new Database(path, { timeout: 0 });
  try {
    // No journal file: the lock must be taken on a full disk too (serve starts during a
    // disk-full episode; measured: the default journal mode makes a -journal at BEGIN).
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return { heldBy: readHolder(dir) };
    throw new ClickrelayError('CR_ERR_DATA_DIR', `cannot lock storage.data_dir ${dir} (${path}): ${describeCause(err)}`, { cause: err });
  }
  const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
  try {
    writeFileAtomic(join(dir, HOLDER_FILE), `${JSON.stringify(holder)}\n`, { durable: false });
  } catch {
    // Naming the holder is a courtesy to the refused; the lock itself is held.
  }
  let released = false;
  return {
    lock: {
      dir,
      release() {
        if (released) return;
        released = true;
        try {
          const now = readHolder(dir);
          if (now?.pid === process.pid) rmSync(join(dir, HOLDER_FILE), { force: true });
        } finally {
          db.close(); // ends the open transaction: the lock goes with it
        }
      },
    },
  };
}

/** The holder as last written, when its process is still alive. */
function readHolder(dir: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    if (!Number.isSafeInteger(h.pid) || typeof h.command !== 'string') return null;
    return pidAlive(h.pid!) ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

/** "serve (pid 1234, since …)" or "another process" when it cannot be named. */
export function describeHolder(h: LockHolder | null): string {
  return h ? `clickrelay ${h.command} (pid ${h.pid}, since ${h.since})` : 'another process (its pid is not known)';
}

/**
 * The lock, or CR_ERR_DATA_DIR_LOCKED naming the holder and `remedy` (what to do instead).
 * For `serve` and the commands that must not run beside it.
 */
export function lockDataDir(dir: string, command: string, remedy: string): DataDirLock {
  const a = tryLockDataDir(dir, command);
  if ('lock' in a) return a.lock;
  throw new ClickrelayError('CR_ERR_DATA_DIR_LOCKED', `storage.data_dir ${dir} is in use by ${describeHolder(a.heldBy)}: ${remedy}`);
}
