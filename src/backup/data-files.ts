/**
 * Which files of the data folder a backup holds, found by pattern so that every outbox shard
 * present is included (outbox.db, or outbox-<k>.db with serving threads) with its head. The
 * SQLite databases are copied with SQLite's online backup (consistent while serve writes);
 * the small files are copied as they are. serve.json (a live process's) and files set aside
 * as damaged are not state to restore.
 */
import { readdirSync } from 'node:fs';

const DATABASE = /^(outbox(-\d+)?|mirror)\.db$/;
const SMALL = /^(outbox(-\d+)?\.head|mirror-sync\.json|session-keys)$/;

export interface DataFiles {
  /** SQLite databases: outbox shard(s) and mirror.db. */
  databases: string[];
  /** Heads, the sync record, the session keys. */
  small: string[];
}

export function dataFiles(dir: string): DataFiles {
  const names = readdirSync(dir).sort();
  return { databases: names.filter((n) => DATABASE.test(n)), small: names.filter((n) => SMALL.test(n)) };
}
