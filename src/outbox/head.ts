/**
 * `<data_dir>/outbox.head`: the newest chain position, kept outside outbox.db so that a
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
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

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

function parseHead(text: string): ChainHead {
  const v = JSON.parse(text) as Partial<ChainHead> & { check?: unknown };
  if (!Number.isSafeInteger(v.seq) || typeof v.chain_hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.chain_hash)) {
    throw new Error(`${HEAD_FILE} is not a chain head: ${text.trim().slice(0, 120)}`);
  }
  const head = { seq: v.seq as number, chain_hash: v.chain_hash };
  // Files from before the check field have none; a present one must match.
  if (v.check !== undefined && v.check !== checkOf(head)) throw new Error(`${HEAD_FILE} fails its own check (half-written?): ${text.trim().slice(0, 120)}`);
  return head;
}

/** The head file, or null when there is none yet. Throws when it exists but is not a head. */
export function readHead(dataDir: string): ChainHead | null {
  let lastError: unknown;
  for (let i = 0; i < READ_TRIES; i++) {
    let text: string;
    try {
      text = readFileSync(join(dataDir, HEAD_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return parseHead(text);
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
export function writeHead(dataDir: string, head: ChainHead, sync = false): void {
  const record = formatHead(head);
  try {
    writeFileAtomic(join(dataDir, HEAD_FILE), record, { durable: sync });
  } catch (err) {
    if (!writeHeadInPlace(dataDir, record, sync)) throw err;
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

  constructor(private readonly dataDir: string) {}

  write(head: ChainHead): void {
    const record = formatHead(head);
    if (this.fd === null) {
      writeHead(this.dataDir, head); // the first one makes the file at its full size
      this.fd = openSync(join(this.dataDir, HEAD_FILE), 'r+');
      return;
    }
    if (writeSync(this.fd, record, 0) !== HEAD_BYTES) throw new Error(`${HEAD_FILE}: short write`);
  }

  /** Stops writing in place (the next write, if any, makes a new file). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** false when there is no head file of the full record size to overwrite. */
function writeHeadInPlace(dataDir: string, record: string, sync: boolean): boolean {
  let fd: number;
  try {
    fd = openSync(join(dataDir, HEAD_FILE), 'r+');
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
