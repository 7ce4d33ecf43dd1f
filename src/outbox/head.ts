/**
 * `<data_dir>/outbox.head` (shard k ≥ 1: `outbox-<k>.head`, shard-files.ts): the newest chain
 * position of a shard, kept outside its database so that a
 * database cut back to an earlier state (truncated tail, restored backup) is noticed. Written
 * only after the commit it describes, so it may lag the database but never leads it.
 *
 * Normally written by temp file + rename (never seen half-written). A full disk fails the
 * temp file, and a head that stops moving while SQLite still commits into space it already
 * holds would hide a cut tail for as long as the disk stays full. So every head is one
 * fixed-size record (HEAD_BYTES), and when the rename path fails it is rewritten in place
 * over the blocks the file already owns, which needs no new space. The record carries a
 * check of its own fields, so a reader racing an in-place write sees a bad record (and
 * reads again), never a new seq with an old hash.
 */
import { hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { throwIfPermission } from '../fs/permission.js';
import { shardFiles } from './shard-files.js';

export const HEAD_FILE = 'outbox.head';
/** One record, padded: room for any safe-integer seq, the hash and the check. */
const HEAD_BYTES = 160;
const READ_TRIES = 3;

export interface ChainHead {
  seq: number;
  chain_hash: string;
}

const checkOf = (h: ChainHead): string => hash('sha256', `${h.seq}:${h.chain_hash}`, 'hex').slice(0, 16);

/** The record as written: JSON, space-padded to HEAD_BYTES - 1, and a newline. */
function formatHead(head: ChainHead): string {
  const json = JSON.stringify({ seq: head.seq, chain_hash: head.chain_hash, check: checkOf(head) });
  return `${json.padEnd(HEAD_BYTES - 1)}\n`;
}

/** The file was read but holds no valid head (damaged, half-written): unlike a file that cannot be read. */
export class HeadFormatError extends Error {
  override readonly name = 'HeadFormatError';
}

function parseHead(text: string, name: string): ChainHead {
  let v: Partial<ChainHead> & { check?: unknown };
  try {
    v = JSON.parse(text) as Partial<ChainHead> & { check?: unknown };
  } catch (err) {
    throw new HeadFormatError(`${name} is not JSON: ${(err as Error).message}`);
  }
  if (!Number.isSafeInteger(v.seq) || typeof v.chain_hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.chain_hash)) {
    throw new HeadFormatError(`${name} is not a chain head: ${text.trim().slice(0, 120)}`);
  }
  const head = { seq: v.seq as number, chain_hash: v.chain_hash };
  // Files from before the check field have none; a present one must match.
  if (v.check !== undefined && v.check !== checkOf(head)) throw new HeadFormatError(`${name} fails its own check (half-written?): ${text.trim().slice(0, 120)}`);
  return head;
}

/**
 * Shard `shard`'s head file, or null when there is none yet. Throws HeadFormatError when it
 * exists but is not a head, CR_ERR_DATA_PERMISSION when it exists but this user may not read it
 * (left by a command run as root): an unreadable head is not an absent one.
 */
export function readHead(dataDir: string, shard = 0): ChainHead | null {
  const path = shardFiles(dataDir, shard).head;
  let lastError: unknown;
  for (let i = 0; i < READ_TRIES; i++) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throwIfPermission(path, err);
      throw err;
    }
    try {
      return parseHead(text, basename(path));
    } catch (err) {
      lastError = err; // perhaps read while rewritten in place: read again
    }
  }
  throw lastError;
}

/**
 * `sync` makes the write durable, the file and its folder fsynced (at close: the last head must
 * survive a power cut). While clicks commit a head lost with the page cache only lags, which
 * the chain check accepts, so the two fsyncs would be cost without a guarantee.
 * Falls back to rewriting the existing file in place when the temp file cannot be written
 * (ENOSPC, EDQUOT): see the file comment.
 */
export function writeHead(dataDir: string, head: ChainHead, sync = false, shard = 0): void {
  const record = formatHead(head);
  const path = shardFiles(dataDir, shard).head;
  try {
    writeFileAtomic(path, record, { durable: sync });
  } catch (err) {
    if (!writeHeadInPlace(path, record, sync)) throw err;
  }
}

/**
 * The writer's head after every commit: the record rewritten in place through a file
 * descriptor kept open (one pwrite of HEAD_BYTES into the page cache, a few µs; README,
 * Benchmarks), so the head is as current as the last commit and a lost tail — the last
 * WAL commit damaged, a file cut back — is caught at the next open, not just one older
 * than the last rewrite. Not fsynced (a lost page-cache write only lags); close() writes the
 * final head by temp file + rename, fsynced.
 */
export class HeadWriter {
  private fd: number | null = null;

  /** `shard`: whose head (shard-files.ts; 0 is outbox.head). */
  constructor(
    private readonly dataDir: string,
    private readonly shard = 0,
  ) {}

  write(head: ChainHead): void {
    const record = formatHead(head);
    if (this.fd === null) {
      writeHead(this.dataDir, head, false, this.shard); // the first one makes the file at its full size
      this.fd = openSync(shardFiles(this.dataDir, this.shard).head, 'r+');
      return;
    }
    if (writeSync(this.fd, record, 0) !== HEAD_BYTES) throw new Error(`${basename(shardFiles(this.dataDir, this.shard).head)}: short write`);
  }

  /** Stops writing in place (the next write, if any, makes a new file). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** false when there is no head file of the full record size to overwrite. */
function writeHeadInPlace(path: string, record: string, sync: boolean): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return false;
  }
  try {
    const written = writeSync(fd, record, 0);
    if (written !== HEAD_BYTES) return false;
    if (sync) fsyncSync(fd);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
