/**
 * `<data_dir>/outbox.head`: the newest chain position, kept outside outbox.db so that a
 * database cut back to an earlier state (truncated tail, restored backup) is noticed. Written
 * only after the commit it describes, by temp file + rename, so it may lag the database but
 * never leads it and is never seen half-written.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const HEAD_FILE = 'outbox.head';

export interface ChainHead {
  seq: number;
  chain_hash: string;
}

/** The head file, or null when there is none yet. Throws when it exists but is not a head. */
export function readHead(dataDir: string): ChainHead | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, HEAD_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const v = JSON.parse(text) as Partial<ChainHead>;
  if (!Number.isSafeInteger(v.seq) || typeof v.chain_hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.chain_hash)) {
    throw new Error(`${HEAD_FILE} is not a chain head: ${text.slice(0, 120)}`);
  }
  return { seq: v.seq as number, chain_hash: v.chain_hash };
}

/** `sync` fsyncs the file before the rename (used at close; per commit a lagging head is fine). */
export function writeHead(dataDir: string, head: ChainHead, sync = false): void {
  const tmp = join(dataDir, `${HEAD_FILE}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify({ seq: head.seq, chain_hash: head.chain_hash })}\n`);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dataDir, HEAD_FILE));
}
