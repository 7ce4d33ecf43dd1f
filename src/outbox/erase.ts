/**
 * Erasing named clicks (`clickrelay erase`): a reviewer's correction, e.g. a click whose
 * stored values hold personal data an older build kept. The rows go as a purge goes
 * (purge.ts): each run of positions leaves a chain checkpoint, here of reason "erase" with the
 * reviewer's note, so the audit still verifies and lists the erasure.
 *
 * It works on one outbox database file (one shard) through a connection of its own, beside a
 * running writer: it only deletes rows and adds checkpoints, and the writer chains new clicks
 * on its own tip, which an erasure does not move; SQLite's lock orders the two. It never
 * writes outbox.head (a second writer closing would write its older tip there).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { makePurger } from './purge.js';
import { applySchema } from './schema.js';
import type { PurgedCounts } from './writer-protocol.js';

export interface ShardErasure {
  /** rows deleted, by the state they were in */
  erased: PurgedCounts;
  /** the ids found (and erased) in this file */
  found: string[];
}

/** Ids per transaction: a running writer waits at most this long for the lock. */
const SLICE = 500;

/** Erases the clicks with these ids from the outbox database at `dbPath` (absent: nothing found). */
export function eraseFromShard(dbPath: string, ids: readonly string[], note: string | null, at: Date = new Date()): ShardErasure {
  const result: ShardErasure = { erased: { shipped: 0, pending: 0, dead: 0 }, found: [] };
  if (ids.length === 0 || !existsSync(dbPath)) return result;
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // an erasure reported is on disk
    applySchema(db); // an older file gets the "erase" checkpoint kind first
    const purge = makePurger(db);
    const present = db.prepare<[string], string>('SELECT click_id FROM clicks WHERE click_id = ?').pluck();
    const step = db.transaction((slice: string[]) => {
      for (const id of slice) if (present.get(id) !== undefined) result.found.push(id);
      // One purgedAt for every slice: runs that meet across slices share a checkpoint.
      const n = purge({ reason: 'erase', ids: slice, note, cutoff: null, unshipped: false, purgedAt: at.toISOString(), max: slice.length });
      result.erased.shipped += n.shipped;
      result.erased.pending += n.pending;
      result.erased.dead += n.dead;
    });
    for (let i = 0; i < ids.length; i += SLICE) step(ids.slice(i, i + SLICE));
  } finally {
    db.close();
  }
  return result;
}
