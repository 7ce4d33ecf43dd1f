/**
 * Erasing named clicks (#25): any state, recorded as "erase" checkpoints with the reviewer's
 * note so the chain still verifies; beside a running writer; on an outbox of schema 1, which
 * is migrated first.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { eraseFromShard, openOutboxReadOnly, readHead, verifyChain } from '../../../src/outbox/index.js';
import { ackClicks, click, filledOutbox, openOutbox, recordAll, sqlite, tempDataDir } from './helpers.js';

function verify(dir: string) {
  const reader = openOutboxReadOnly(dir);
  try {
    return { chain: verifyChain(reader), checkpoints: [...reader.checkpoints()] };
  } finally {
    reader.close();
  }
}

describe('eraseFromShard', () => {
  it('erases pending, shipped and dead clicks by id, one checkpoint per run with the note; the chain verifies', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    const clicks = Array.from({ length: 8 }, () => click());
    await recordAll(outbox, clicks);
    const ids = clicks.map((c) => c.click_id);
    await ackClicks(outbox, [ids[1]!]);
    await outbox.deadLetter([{ click_id: ids[2]!, reason: 'HTTP 422' }]);
    // seq 2 shipped, 3 dead, 4 pending: one run; seq 8 (the newest) pending: another.
    const r = eraseFromShard(join(dir, 'outbox.db'), [ids[1]!, ids[2]!, ids[3]!, ids[7]!, 'no-such-id'], 'e-mail address in utm_term (ticket 42)', new Date('2026-12-07T10:00:00.000Z'));
    expect(r.erased).toEqual({ shipped: 1, dead: 1, pending: 2 });
    expect(r.found.sort()).toEqual([ids[1], ids[2], ids[3], ids[7]].sort());
    // The writer goes on chaining from its tip: a click recorded after the erasure verifies.
    await recordAll(outbox, [click()]);
    await outbox.close();
    const { chain, checkpoints } = verify(dir);
    expect(chain).toMatchObject({ ok: true, rows: 5, last_seq: 9 });
    expect(checkpoints.map((c) => [c.first_seq, c.last_seq, c.count, c.reason, c.note, c.purged_at])).toEqual([
      [2, 4, 3, 'erase', 'e-mail address in utm_term (ticket 42)', '2026-12-07T10:00:00.000Z'],
      [8, 8, 1, 'erase', 'e-mail address in utm_term (ticket 42)', '2026-12-07T10:00:00.000Z'],
    ]);
    expect(readHead(dir)?.seq).toBe(9);
  });

  it('finds nothing in a file that is not there, and does not create it', () => {
    const dir = tempDataDir();
    expect(eraseFromShard(join(dir, 'outbox.db'), ['a'], null)).toEqual({ erased: { shipped: 0, pending: 0, dead: 0 }, found: [] });
    const ro = openOutboxReadOnly(dir);
    expect(ro.schemaVersion()).toBeNull();
    ro.close();
  });

  it('migrates an outbox of schema 1 (no "erase" checkpoints, no note) and keeps its purge checkpoints', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 5);
    const db = sqlite(dir);
    // Schema 1 as an older build wrote it, with one retention checkpoint for seq 1.
    db.exec(`DROP TABLE chain_checkpoints;
CREATE TABLE chain_checkpoints (id INTEGER PRIMARY KEY AUTOINCREMENT, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, count INTEGER NOT NULL, last_hash TEXT NOT NULL, purged_at TEXT NOT NULL, reason TEXT NOT NULL CHECK (reason IN ('retention', 'dead')));
CREATE UNIQUE INDEX chain_checkpoints_first ON chain_checkpoints (first_seq);
UPDATE meta SET value = '1' WHERE key = 'schema_version';`);
    const first = db.prepare('SELECT chain_hash FROM clicks WHERE seq = 1').pluck().get() as string;
    db.prepare("INSERT INTO chain_checkpoints (first_seq, last_seq, count, last_hash, purged_at, reason) VALUES (1, 1, 1, ?, '2026-01-01T00:00:00.000Z', 'retention')").run(first);
    db.prepare('DELETE FROM clicks WHERE seq = 1').run();
    db.close();
    expect(verify(dir).checkpoints).toEqual([expect.objectContaining({ reason: 'retention', note: null })]); // readable before the migration

    const r = eraseFromShard(join(dir, 'outbox.db'), [clicks[2]!.click_id], null);
    expect(r.found).toEqual([clicks[2]!.click_id]);
    const { chain, checkpoints } = verify(dir);
    expect(chain).toMatchObject({ ok: true, rows: 3 });
    expect(checkpoints.map((c) => [c.first_seq, c.reason, c.note])).toEqual([
      [1, 'retention', null],
      [3, 'erase', null],
    ]);
    const ro = openOutboxReadOnly(dir);
    expect(ro.schemaVersion()).toBe(2);
    ro.close();
  });
});
