/**
 * Opening outbox.db at start-up without trusting it: SQLite itself forgives too much. It
 * replays a damaged WAL only up to the damage and says nothing; it opens a file with garbage
 * in the middle and fails only when a query happens to touch the bad page (hours later, as a
 * failed retention purge); and an emptied or deleted outbox.db is simply created afresh.
 * Each of these refuses the start with a coded error naming the files and the way out, and
 * goes ahead only when the operator said so (`serve --accept-new-outbox`): then the damaged
 * files are kept beside the new ones as evidence, and what was accepted is reported.
 * Every check is per shard (`shard`, default 0: outbox.db; shard-files.ts names the others):
 * a shard's files are checked against its own head, and messages name that shard's files.
 */
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ClickrelayError } from '../errors.js';
import { deniedPathOf, isPermissionErrno, permissionMessage } from '../fs/permission.js';
import { OutboxError } from './errors.js';
import type { ChainHead } from './head.js';
import { shardFiles } from './shard-files.js';
import { checkWal } from './wal-check.js';

const ACCEPT_FLAG = '--accept-new-outbox';
/** Suffix of files set aside as evidence; the audit reports any it finds. */
export const DAMAGED_MARK = '.damaged-';

export interface OpenChecks {
  /** Which shard is opened (0: outbox.db). */
  shard?: number;
  /** The operator accepts losing what the damaged or missing files held. */
  acceptNewOutbox: boolean;
  /** What was accepted, for the service's log (empty when nothing was wrong). */
  notes: string[];
}

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');
/** The shard's file paths and names, for the checks and their messages. */
function filesOf(dataDir: string, c: Pick<OpenChecks, 'shard'>): { db: string; head: string; DB: string; HEAD: string } {
  const f = shardFiles(dataDir, c.shard ?? 0);
  return { ...f, DB: basename(f.db), HEAD: basename(f.head) };
}

const sqliteCode = (err: unknown): string => String((err as { code?: unknown }).code ?? '');

/**
 * Before any connection: SQLite would create a missing (or take an empty) outbox.db as a new
 * one, so a file deleted or emptied under a head that records clicks is refused here,
 * before the refused start leaves a fresh file behind.
 */
export function checkPresentBeforeOpen(dataDir: string, head: ChainHead | null, c: OpenChecks): void {
  const f = filesOf(dataDir, c);
  const path = f.db;
  let size = 0;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (size > 0 || !head || head.seq === 0) return;
  const what = `${path} is ${size === 0 && existsSync(path) ? 'empty' : 'missing'} but ${f.head} records ${head.seq} committed click position(s)`;
  if (!c.acceptNewOutbox) {
    throw new OutboxError('CR_ERR_OUTBOX_BEHIND_HEAD', `${what}. Restore ${f.DB} (with its -wal) from a backup, or start with ${ACCEPT_FLAG} to begin a new outbox without them (the audit keeps reporting the gap)`);
  }
  c.notes.push(`${what}; accepted (${ACCEPT_FLAG}), a new outbox continues the chain from position ${head.seq} and the audit reports the gap`);
}

/** Before any connection: the WAL as SQLite's recovery would read it. */
export function checkWalBeforeOpen(dataDir: string, c: OpenChecks): void {
  const f = filesOf(dataDir, c);
  const wal = `${f.db}-wal`;
  const damage = checkWal(wal);
  if (!damage) return;
  const what = `${wal} is damaged at frame ${damage.frame + 1} of ${damage.frames} (${damage.reason}); SQLite would silently drop the ${damage.droppedCommits} committed transaction(s) after it (${damage.pagesLost} page(s) not in ${f.DB})`;
  if (!c.acceptNewOutbox) {
    throw new OutboxError('CR_ERR_OUTBOX_WAL_DAMAGED', `${what}. Copy ${f.DB}, ${f.DB}-wal and ${f.HEAD} somewhere safe, then repair them, or start with ${ACCEPT_FLAG} to go on without those clicks`);
  }
  const kept = `${wal}${DAMAGED_MARK}${stamp()}`;
  copyFileSync(wal, kept); // a copy: SQLite still replays the intact frames before the damage
  c.notes.push(`${what}; accepted (${ACCEPT_FLAG}), the damaged WAL is kept as ${kept}`);
}

/** Free space below which a failed open is put down to a full disk. */
const FULL_BELOW_BYTES = 256 * 1024;

/**
 * Runs `open`; when it fails for anything but a refusal of the checks above while the
 * file system is (nearly) full, the failure becomes CR_ERR_OUTBOX_WRITE: a full disk is
 * recoverable, and the writer is retried until it opens (a restart during a disk-full
 * episode must not turn into an outage). SQLite in WAL mode cannot even read without
 * creating its -shm file, so a full disk fails the open itself, as "disk I/O error".
 */
export function whenSpaceAllows<T>(dataDir: string, open: () => T, shard = 0): T {
  try {
    return open();
  } catch (err) {
    if (err instanceof OutboxError && err.code !== 'CR_ERR_OUTBOX_OPEN') throw err;
    // A file left by another user (root) is healthy and stays: say so, not "cannot open".
    // SQLite's CANTOPEN carries no errno, so the files themselves are asked.
    const outbox = shardFiles(dataDir, shard).db;
    const denied = isPermissionErrno(err) ? ((err as { path?: string }).path ?? outbox) : deniedPathOf(outbox, false);
    if (denied !== null) throw new ClickrelayError('CR_ERR_DATA_PERMISSION', permissionMessage(denied, err), { cause: err });
    const free = freeBytes(dataDir);
    if (free === null || free >= FULL_BELOW_BYTES) throw err;
    throw new OutboxError('CR_ERR_OUTBOX_WRITE', `${shardFiles(dataDir, shard).db} cannot be opened with ${free} bytes free in ${dataDir}: ${(err as Error).message}`);
  }
}

function freeBytes(dataDir: string): number | null {
  for (let dir = dataDir; ; dir = dirname(dir)) {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(dir) === dir) return null; // the folder may not exist yet: ask its parent
    }
  }
}

/** Opens the shard's database and runs PRAGMA quick_check (O(file size), once per start). */
export function openVerified(dataDir: string, c: OpenChecks): Database.Database {
  const f = filesOf(dataDir, c);
  const path = f.db;
  try {
    return verified(path);
  } catch (err) {
    if (err instanceof OutboxError && err.code !== 'CR_ERR_OUTBOX_CORRUPT') throw err;
    const damaged = err instanceof OutboxError || ['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(sqliteCode(err));
    const code = err instanceof OutboxError ? err.code : 'CR_ERR_OUTBOX_OPEN';
    const what = err instanceof OutboxError ? err.message : `${path} cannot be read as a SQLite database: ${(err as Error).message}`;
    if (!damaged || !c.acceptNewOutbox) {
      throw new OutboxError(code, damaged ? `${what}. Copy the ${f.DB}* files somewhere safe, try "sqlite3 ${path} .recover", or start with ${ACCEPT_FLAG} to set them aside and begin a new outbox` : what);
    }
    const kept = setAside(path);
    c.notes.push(`${what}; accepted (${ACCEPT_FLAG}), a new outbox was started and the damaged files are kept as ${kept.join(', ')}`);
    return verified(path);
  }
}

function verified(path: string): Database.Database {
  createPrivate(path);
  const db = new Database(path);
  try {
    const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
    // Its findings span lines ("*** in database main ***\nPage 5: …"); a coded error is one line.
    const found = problems.map((p) => p.quick_check.replace(/\s*\n\s*/g, ' ')).filter((p) => p !== 'ok');
    if (found.length > 0) throw new OutboxError('CR_ERR_OUTBOX_CORRUPT', `${path} fails SQLite's integrity check: ${found.join('; ')}`);
    return db;
  } catch (err) {
    db.close();
    if (sqliteCode(err) === 'SQLITE_CORRUPT') throw new OutboxError('CR_ERR_OUTBOX_CORRUPT', `${path} fails SQLite's integrity check: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * Click data is for this user only (the audit's outbox.file_mode rule). SQLite gives the -wal
 * and -shm files the mode of the database file, so creating that one 0600 covers all three;
 * an existing file keeps its mode.
 */
function createPrivate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function setAside(db: string): string[] {
  const at = stamp();
  const kept: string[] = [];
  for (const suffix of ['', '-wal']) {
    const file = `${db}${suffix}`;
    if (!existsSync(file)) continue;
    renameSync(file, `${file}${DAMAGED_MARK}${at}`);
    kept.push(`${file}${DAMAGED_MARK}${at}`);
  }
  rmSync(`${db}-shm`, { force: true }); // an index of the WAL set aside: meaningless now
  return kept;
}

/**
 * The database against the head kept outside it. The head may lag the database, never lead
 * it: a head ahead of the newest position (or naming another hash there) means rows the
 * writer committed are gone. Accepted, the chain continues from the head, so the missing
 * positions stay visible to the audit as a gap.
 */
export function checkAgainstHead(dataDir: string, tip: ChainHead, head: ChainHead | null, c: OpenChecks): void {
  if (!head || head.seq < tip.seq || (head.seq === tip.seq && head.chain_hash === tip.chain_hash)) return;
  if (tip.seq === 0 && c.notes.length > 0) return; // a new outbox, already accepted and noted above
  const f = filesOf(dataDir, c);
  const what =
    head.seq > tip.seq
      ? `${f.db} ends at position ${tip.seq} but ${f.head} records position ${head.seq}: ${head.seq - tip.seq} committed click(s) are not in it: a lost tail (the last WAL commit damaged, or the file deleted, emptied, cut back or restored from an older copy)`
      : `${f.db} differs from ${f.head} at its last position ${tip.seq}: its tail was rewritten`;
  if (!c.acceptNewOutbox) {
    throw new OutboxError('CR_ERR_OUTBOX_BEHIND_HEAD', `${what}. Restore ${f.DB} (with its -wal) from a backup, or start with ${ACCEPT_FLAG} to go on without them (the audit keeps reporting the gap)`);
  }
  c.notes.push(`${what}; accepted (${ACCEPT_FLAG}), the chain continues from position ${head.seq} and the audit reports the gap`);
}
