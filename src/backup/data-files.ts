/**
 * Which files of the data folder a backup holds: every outbox shard present (as
 * outbox/shard-files.ts names and lists them: outbox.db, or outbox-<k>.db with serving
 * threads) with its head, mirror.db, the sync record and the session keys. The SQLite
 * databases are copied with SQLite's online backup (consistent while serve writes); the small
 * files are copied as they are. serve.json (a live process's) and files set aside as damaged
 * are not state to restore.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listShards, shardFiles } from '../outbox/shard-files.js';

const MIRROR_DB = 'mirror.db';
const SMALL_FILES = ['mirror-sync.json', 'session-keys'];

export interface DataFiles {
  /** SQLite databases: outbox shard(s) and mirror.db (names in the folder). */
  databases: string[];
  /** Heads, the sync record, the session keys (names in the folder). */
  small: string[];
}

export function dataFiles(dir: string): DataFiles {
  const present = (name: string): boolean => existsSync(join(dir, name));
  const shards = listShards(dir).map((k) => shardFiles(dir, k));
  return {
    databases: [...shards.map((f) => basename(f.db)), MIRROR_DB].filter(present),
    small: [...shards.map((f) => basename(f.head)), ...SMALL_FILES].filter(present),
  };
}
