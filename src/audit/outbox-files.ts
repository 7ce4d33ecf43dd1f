/**
 * The outbox rules on the data folder itself, checked before the rows: an audit that finds
 * no outbox has verified nothing and must not pass; a damaged file is a finding, never a
 * crash; and click data readable by other users is a privacy violation however clean the
 * rows are. Read-only, like the rest of the audit. The folder is checked once
 * (checkDataFolder), the files of each outbox shard on their own (checkShardFiles).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkWal, DAMAGED_MARK, shardFiles, type WalDamage } from '../outbox/index.js';
import type { OutboxFileRule } from './rules.js';

/** Group or other may read: outbox.db and its WAL hold click data, the folder lists them. */
const READABLE_BY_OTHERS = 0o044;
/** A serve writing the WAL while it is read can show a half-rewritten frame; a second look tells. */
const WAL_RECHECK_MS = 50;

export type FileFlag = (rule: OutboxFileRule, detail: string) => void;

export type OutboxPresence = 'no-folder' | 'no-outbox' | 'present';

/** outbox.db… or outbox-<k>.db…: files of an outbox shard (set-aside copies included). */
const SHARD_DB_FILE = /^outbox(?:-[1-9][0-9]*)?\.db/;

/** The data folder: whether it exists, who may read it, and damaged files set aside in it (any shard's). */
export function checkDataFolder(dataDir: string, flag: FileFlag): boolean {
  const dirMode = modeOf(dataDir);
  if (dirMode === null) {
    flag('outbox.missing', `the data folder ${dataDir} does not exist: nothing was audited (wrong storage.data_dir or --config?)`);
    return false;
  }
  if ((dirMode & READABLE_BY_OTHERS) !== 0) {
    flag('outbox.file_mode', `${dataDir} has mode ${dirMode.toString(8).padStart(3, '0')}: click data readable by other users (must be 0600, the folder 0700)`);
  }
  for (const name of readdirSync(dataDir).sort()) {
    if (SHARD_DB_FILE.test(name) && name.includes(DAMAGED_MARK)) {
      flag('outbox.damaged', `${join(dataDir, name)} was set aside as damaged (serve --accept-new-outbox): the clicks it held are not in the outbox. Remove it once it has been dealt with`);
    }
  }
  return true;
}

/** Whether shard `shard` has a database to walk (without one nothing else of it can be checked). */
export function checkShardFiles(dataDir: string, shard: number, flag: FileFlag): OutboxPresence {
  const files = shardFiles(dataDir, shard);
  const db = files.db;
  const present = modeOf(db) !== null;
  if (!present) {
    const head = modeOf(files.head) !== null;
    flag('outbox.missing', `${db} does not exist${head ? ` although ${basename(files.head)} does` : ''}: there is no outbox to audit (wrong storage.data_dir, or the file was deleted)`);
  }
  for (const path of [db, `${db}-wal`]) {
    const mode = modeOf(path);
    if (mode !== null && (mode & READABLE_BY_OTHERS) !== 0) {
      flag('outbox.file_mode', `${path} has mode ${mode.toString(8).padStart(3, '0')}: click data readable by other users (must be 0600, the folder 0700)`);
    }
  }
  const wal = confirmedWalDamage(`${db}-wal`);
  if (wal) {
    flag('outbox.damaged', `${db}-wal is damaged at frame ${wal.frame + 1} of ${wal.frames} (${wal.reason}): SQLite drops the ${wal.droppedCommits} committed transaction(s) after it without a word`);
  }
  return present ? 'present' : 'no-outbox';
}

function confirmedWalDamage(wal: string): WalDamage | null {
  const first = checkWal(wal);
  if (!first) return null;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAL_RECHECK_MS); // a synchronous pause
  const again = checkWal(wal);
  return again && again.frame === first.frame ? again : null;
}

function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}
