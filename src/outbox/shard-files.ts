/**
 * The names of an outbox shard's files, in one place (CONTRACT "Serving threads and outbox
 * shards"): shard 0 is `<data_dir>/outbox.db` with `outbox.head`, so a single-threaded
 * service keeps the files it always had; shard k ≥ 1 is `outbox-<k>.db` with `outbox-<k>.head`.
 * Every serving thread writes its own shard; every reader (shipper, audit, export, status,
 * retention, dead letters) covers the shards present on disk, which may be more than the
 * threads serving now (left by an earlier, larger `server.threads`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ShardFiles {
  /** the shard's SQLite database (its -wal and -shm sit beside it) */
  db: string;
  /** the shard's chain head, kept outside the database */
  head: string;
}

/** The file name stem of shard k: `outbox` for 0, `outbox-<k>` for k ≥ 1. */
export function shardStem(k: number): string {
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`outbox shard number must be an integer ≥ 0, got ${k}`);
  return k === 0 ? 'outbox' : `outbox-${k}`;
}

export function shardFiles(dataDir: string, k: number): ShardFiles {
  const stem = shardStem(k);
  return { db: join(dataDir, `${stem}.db`), head: join(dataDir, `${stem}.head`) };
}

// outbox.db / outbox.head, or outbox-<k>.db / .head with k ≥ 1 written without leading zeros.
const SHARD_FILE = /^outbox(?:-([1-9][0-9]*))?\.(?:db|head)$/;

/**
 * The shards present in `dataDir`, k ascending: a shard is present when its database or its
 * head exists (a head without its database is a deleted outbox, which the checks must see).
 * A missing folder has none.
 */
export function listShards(dataDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found = new Set<number>();
  for (const name of names) {
    const m = SHARD_FILE.exec(name);
    if (m === null) continue;
    const k = m[1] === undefined ? 0 : Number(m[1]);
    if (Number.isSafeInteger(k)) found.add(k);
  }
  return [...found].sort((a, b) => a - b);
}
