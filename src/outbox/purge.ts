/**
 * Deleting clicks without breaking the audit chain: rows go in runs of consecutive positions,
 * and each run leaves a checkpoint whose last_hash is the hash the next surviving row was
 * chained on. Runs purged by one call (across its small transactions) share one checkpoint.
 * Works on one outbox database (one shard): callers run it on each.
 */
import type Database from 'better-sqlite3';
import type { PurgedCounts, PurgeStepArgs } from './writer-protocol.js';

interface Candidate {
  seq: number;
  chain_hash: string;
  state: 'pending' | 'shipped' | 'dead';
}
interface CheckpointRow {
  id: number;
  first_seq: number;
  last_seq: number;
  last_hash: string;
}

export function makePurger(db: Database.Database): (args: PurgeStepArgs) => PurgedCounts {
  const expired = db.prepare<[string, number], Candidate>(
    "SELECT seq, chain_hash, state FROM clicks WHERE state = 'shipped' AND clicked_at < ? ORDER BY clicked_at LIMIT ?",
  );
  // Oldest pending first (their index is in seq order, which follows clicked_at).
  const expiredUnshipped = db.prepare<[string, number], Candidate>(
    "SELECT seq, chain_hash, state FROM clicks WHERE state = 'pending' AND clicked_at < ? ORDER BY seq LIMIT ?",
  );
  // Dead letters by age: nobody ships them, so retention is their only limit.
  const expiredDead = db.prepare<[string, number], Candidate>(
    "SELECT seq, chain_hash, state FROM clicks WHERE state = 'dead' AND clicked_at < ? ORDER BY seq LIMIT ?",
  );
  const anyDead = db.prepare<[number], Candidate>("SELECT seq, chain_hash, state FROM clicks WHERE state = 'dead' ORDER BY seq LIMIT ?");
  const deadById = db.prepare<[string], Candidate>("SELECT seq, chain_hash, state FROM clicks WHERE click_id = ? AND state = 'dead'");
  const anyById = db.prepare<[string], Candidate>('SELECT seq, chain_hash, state FROM clicks WHERE click_id = ?');
  const del = db.prepare<[number, number]>('DELETE FROM clicks WHERE seq BETWEEN ? AND ?');
  const endingAt = db.prepare<[number, string, string], CheckpointRow>(
    'SELECT id, first_seq, last_seq, last_hash FROM chain_checkpoints WHERE last_seq = ? AND purged_at = ? AND reason = ?',
  );
  const startingAt = db.prepare<[number, string, string], CheckpointRow>(
    'SELECT id, first_seq, last_seq, last_hash FROM chain_checkpoints WHERE first_seq = ? AND purged_at = ? AND reason = ?',
  );
  const insert = db.prepare<[number, number, number, string, string, string, string | null]>(
    'INSERT INTO chain_checkpoints (first_seq, last_seq, count, last_hash, purged_at, reason, note) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const update = db.prepare<[number, number, number, string, number]>(
    'UPDATE chain_checkpoints SET first_seq = ?, last_seq = ?, count = ?, last_hash = ? WHERE id = ?',
  );
  const drop = db.prepare<[number]>('DELETE FROM chain_checkpoints WHERE id = ?');

  /** Records [first, last] as purged, joining checkpoints of the same purge on either side. */
  function checkpoint(first: number, last: number, lastHash: string, a: PurgeStepArgs): void {
    const before = endingAt.get(first - 1, a.purgedAt, a.reason);
    const after = startingAt.get(last + 1, a.purgedAt, a.reason);
    const lo = before ? before.first_seq : first;
    const hi = after ? after.last_seq : last;
    const hash = after ? after.last_hash : lastHash;
    if (before && after) drop.run(after.id);
    const keep = before ?? after;
    if (keep) update.run(lo, hi, hi - lo + 1, hash, keep.id);
    else insert.run(lo, hi, hi - lo + 1, hash, a.purgedAt, a.reason, a.note ?? null);
  }

  function candidates(a: PurgeStepArgs): Candidate[] {
    if (a.reason === 'retention') {
      const cutoff = a.cutoff ?? '';
      let found = expired.all(cutoff, a.max);
      if (a.unshipped && found.length < a.max) found = found.concat(expiredUnshipped.all(cutoff, a.max - found.length));
      if (a.dead && found.length < a.max) found = found.concat(expiredDead.all(cutoff, a.max - found.length));
      return found;
    }
    if (a.ids === null) return a.reason === 'dead' ? anyDead.all(a.max) : [];
    const byId = a.reason === 'erase' ? anyById : deadById;
    const found: Candidate[] = [];
    for (const id of a.ids) {
      const c = byId.get(id);
      if (c) found.push(c);
    }
    return found;
  }

  /** One small transaction: at most `max` rows (or the given ids). Returns rows deleted, by state. */
  return db.transaction((a: PurgeStepArgs): PurgedCounts => {
    const rows = candidates(a).sort((x, y) => x.seq - y.seq);
    const purged: PurgedCounts = { shipped: 0, pending: 0, dead: 0 };
    for (const r of rows) purged[r.state]++;
    let i = 0;
    while (i < rows.length) {
      let j = i;
      while (j + 1 < rows.length && rows[j + 1]!.seq === rows[j]!.seq + 1) j++;
      const first = rows[i]!.seq;
      const last = rows[j]!;
      checkpoint(first, last.seq, last.chain_hash, a);
      del.run(first, last.seq);
      i = j + 1;
    }
    return purged;
  });
}
