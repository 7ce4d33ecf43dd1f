/**
 * `clickrelay backup DIR` and `clickrelay restore DIR`. A backup taken while serve runs must
 * restore into an outbox the start-up checks accept: each head is copied BEFORE its database
 * (a head may lag its database, never lead it: the behind-head check would refuse the restore
 * otherwise), and each database through SQLite's online backup, which gives one consistent
 * state whatever the writer does meanwhile. Everything is private: DIR 0700, files 0600 (the
 * audit's file-mode rule applies to a restored folder too).
 */
import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClickrelayError } from '../errors.js';
import { PRIVATE_FILE_MODE } from '../fs/data-dir.js';
import { dataFiles } from './data-files.js';

const PRIVATE_DIR_MODE = 0o700;

function privateDir(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new ClickrelayError('CR_ERR_BACKUP_TARGET', `${what} ${dir} is not empty: give a new or empty folder`);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Copies the data folder's state into `target` (new or empty); returns the files copied. */
export async function backupDataDir(dataDir: string, target: string): Promise<string[]> {
  if (!existsSync(dataDir)) throw new ClickrelayError('CR_ERR_BACKUP_TARGET', `the data folder ${dataDir} does not exist: nothing to back up`);
  privateDir(target, 'the backup folder');
  const { databases, small } = dataFiles(dataDir);
  // Heads first: see the file comment.
  for (const name of small) {
    copyFileSync(join(dataDir, name), join(target, name));
    chmodSync(join(target, name), PRIVATE_FILE_MODE);
  }
  for (const name of databases) {
    const db = new Database(join(dataDir, name), { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(join(target, name));
    } finally {
      db.close();
    }
    chmodSync(join(target, name), PRIVATE_FILE_MODE);
  }
  return [...small, ...databases];
}

/** Copies a backup into an empty (or new) data folder; the caller has checked no serve runs. */
export function restoreDataDir(source: string, dataDir: string): string[] {
  if (!existsSync(source)) throw new ClickrelayError('CR_ERR_BACKUP_TARGET', `the backup folder ${source} does not exist`);
  const { databases, small } = dataFiles(source);
  if (!databases.some((n) => n.startsWith('outbox'))) throw new ClickrelayError('CR_ERR_BACKUP_TARGET', `${source} holds no outbox database: not a clickrelay backup`);
  privateDir(dataDir, 'the data folder');
  for (const name of [...databases, ...small]) {
    copyFileSync(join(source, name), join(dataDir, name));
    chmodSync(join(dataDir, name), PRIVATE_FILE_MODE);
  }
  return [...databases, ...small];
}
