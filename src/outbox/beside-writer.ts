/**
 * Dead-letter maintenance beside a running writer (`dead-letters requeue|purge` while a serve
 * holds the data folder). A second writer thread would keep a chain tip and counts of its own
 * and rewrite outbox.head; these two operations need neither: they change existing rows in
 * one SQLite transaction each, which SQLite serialises with the serve's commits (busy_timeout),
 * and the serve's writer notices the change (PRAGMA data_version, store.ts) and re-reads
 * its counts and its shipper's cursor. Nothing here inserts a click.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { OutboxOps, type OpCall } from './outbox-ops.js';
import { makePurger } from './purge.js';
import { makeRequeuer } from './requeue.js';
import { listShards, shardFiles } from './shard-files.js';

/** outbox.db and the shards beside it (outbox-1.db, …), when the serve runs several writers. */
export function outboxFiles(dataDir: string): string[] {
  const shards = listShards(dataDir);
  // A head without its database (a deleted shard) has nothing to change here; the audit names it.
  return (shards.length > 0 ? shards : [0]).map((k) => shardFiles(dataDir, k).db).filter((db) => existsSync(db));
}

/** One OutboxOps per outbox file, that can only requeue and purge dead letters. */
export function openBesideWriter(path: string): OutboxOps & { close(): void } {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('busy_timeout = 5000'); // the serve's writer commits in milliseconds
  db.pragma('synchronous = FULL'); // a change the command reported must be on disk
  const requeue = makeRequeuer(db);
  const purge = makePurger(db);
  const call = (async (op, args) => {
    if (op === 'requeueDead') return requeue((args as { ids: string[] | null }).ids);
    if (op === 'purgeStep') return purge(args as Parameters<typeof purge>[0]);
    throw new Error(`${op} is not done beside a running writer`);
  }) as OpCall;
  return Object.assign(new OutboxOps(call), { close: () => db.close() });
}
