/**
 * `<data_dir>/outbox.head`: the newest chain position, kept outside outbox.db so that a
 * database cut back to an earlier state (truncated tail, restored backup) is noticed. Written
 * only after the commit it describes, by temp file + rename, so it may lag the database but
 * never leads it and is never seen half-written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

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

/** `sync` makes the new head durable (used at close; per commit a lagging head is fine). */
export function writeHead(dataDir: string, head: ChainHead, sync = false): void {
  writeFileAtomic(join(dataDir, HEAD_FILE), `${JSON.stringify({ seq: head.seq, chain_hash: head.chain_hash })}\n`, { durable: sync });
}
