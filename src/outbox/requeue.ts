/**
 * Dead letters back to pending: one statement pair, used by the writer thread (store.ts) and
 * by `dead-letters requeue` beside a running serve (beside-writer.ts), so both mean the same.
 */
import type Database from 'better-sqlite3';

/** Returns a function that re-queues the dead letters `ids` (null: every one) and says how many. */
export function makeRequeuer(db: Database.Database): (ids: readonly string[] | null) => number {
  const one = db.prepare<[string]>("UPDATE clicks SET state = 'pending', dead_reason = NULL WHERE click_id = ? AND state = 'dead'");
  const all = db.prepare("UPDATE clicks SET state = 'pending', dead_reason = NULL WHERE state = 'dead'");
  const some = db.transaction((ids: readonly string[]) => ids.reduce((n, id) => n + one.run(id).changes, 0));
  return (ids) => (ids === null ? all.run().changes : some(ids));
}
