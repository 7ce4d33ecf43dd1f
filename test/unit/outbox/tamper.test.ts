/**
 * The audit chain catches each way a row can be changed behind the writer's back. Every
 * tamper is done the way a person with the sqlite3 shell would: a separate connection.
 */
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash } from '../../../src/outbox/chain.js';
import { CLICK_COLUMNS, clickColumns, columnsOfRow, type ClickRow } from '../../../src/outbox/columns.js';
import { openOutboxReadOnly, readHead, verifyChain, type ChainReader, type ChainReport } from '../../../src/outbox/index.js';
import type { ClickRecord } from '../../../src/types.js';
import { ackClicks, click, filledOutbox, openOutbox, recordAll, sqlite, tempDataDir } from './helpers.js';

function audit(dataDir: string): ChainReport {
  const reader = openOutboxReadOnly(dataDir);
  try {
    return verifyChain(reader);
  } finally {
    reader.close();
  }
}
const rules = (r: ChainReport): string[] => r.violations.map((v) => `${v.rule}@${v.seq}`);

const CONTENT = CLICK_COLUMNS.join(', ');

/** Writes a new click straight into outbox.db at `seq`, with `storedHash` as its chain_hash, as a forger with the sqlite3 shell would. */
function insertForged(dataDir: string, seq: number, storedHash: string): ClickRecord {
  const forged = click();
  sqlite(dataDir)
    .prepare(`INSERT INTO clicks (seq, ${CONTENT}, chain_hash) VALUES (?, ${CLICK_COLUMNS.map(() => '?').join(', ')}, ?)`)
    .run(seq, ...clickColumns(forged), storedHash);
  return forged;
}

/** A reader on an open connection, so a tamper inside a transaction can be verified and rolled back. */
function readerOn(db: Database.Database, dataDir: string): ChainReader {
  return {
    chainRows: () =>
      (db.prepare(`SELECT seq, chain_hash, ${CONTENT} FROM clicks ORDER BY seq`).all() as (ClickRow & { seq: number; chain_hash: string })[]).map((row) => ({
        seq: row.seq,
        chain_hash: row.chain_hash,
        columns: columnsOfRow(row),
      })),
    checkpoints: () => [],
    head: () => readHead(dataDir),
  };
}

/** Swaps two rows' content; with `withHash` their chain_hash goes along (the rows moved). */
function swapRows(dataDir: string, a: number, b: number, withHash: boolean): void {
  const db = sqlite(dataDir);
  const cols = withHash ? `${CONTENT}, chain_hash` : CONTENT;
  const rowA = db.prepare(`SELECT ${cols} FROM clicks WHERE seq = ?`).get(a) as Record<string, unknown>;
  const rowB = db.prepare(`SELECT ${cols} FROM clicks WHERE seq = ?`).get(b) as Record<string, unknown>;
  const names = Object.keys(rowA);
  const set = db.prepare(`UPDATE clicks SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE seq = @seq`);
  db.transaction(() => {
    db.prepare('UPDATE clicks SET click_id = click_id || ? WHERE seq IN (?, ?)').run('-tmp', a, b); // keep click_id unique meanwhile
    set.run({ ...rowB, seq: a });
    set.run({ ...rowA, seq: b });
  })();
}

describe('chain verification', () => {
  it('passes an outbox nobody touched', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 20);
    expect(audit(dir)).toMatchObject({ ok: true, rows: 20, last_seq: 20, violations: [] });
  });

  it('names the click whose field was edited', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 10);
    sqlite(dir).prepare("UPDATE clicks SET ip_address = '203.0.113.77' WHERE seq = 4").run();
    const r = audit(dir);
    expect(r.violations).toEqual([expect.objectContaining({ click_id: clicks[3]!.click_id, seq: 4, rule: 'chain.edited' })]);
  });

  it('catches a flipped anonymous flag', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 5);
    sqlite(dir).prepare('UPDATE clicks SET anonymous = 1 WHERE seq = 2').run();
    expect(audit(dir).violations).toEqual([expect.objectContaining({ click_id: clicks[1]!.click_id, rule: 'chain.edited' })]);
  });

  it('reports a deleted row as missing positions', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 10);
    sqlite(dir).prepare('DELETE FROM clicks WHERE seq IN (5, 6)').run();
    const r = audit(dir);
    expect(r.violations).toEqual([expect.objectContaining({ click_id: null, seq: 5, rule: 'chain.deleted' })]);
    expect(r.violations[0]!.detail).toContain('5..6');
  });

  it('names a row inserted in the middle, even with a correctly computed hash', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 10);
    const db = sqlite(dir);
    const forged = click();
    const prev = db.prepare('SELECT chain_hash FROM clicks WHERE seq = 4').pluck().get() as string;
    db.transaction(() => {
      // make room at seq 5, as someone hiding the insertion would
      db.prepare('UPDATE clicks SET seq = -seq WHERE seq >= 5').run();
      db.prepare('UPDATE clicks SET seq = 1 - seq WHERE seq < 0').run();
      db.prepare(`INSERT INTO clicks (seq, ${CONTENT}, chain_hash) VALUES (5, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        ...clickColumns(forged),
        chainHash(prev, forged),
      );
    })();
    const r = audit(dir);
    expect(r.violations).toContainEqual(expect.objectContaining({ click_id: forged.click_id, seq: 5, rule: 'chain.inserted' }));
  });

  it('names a row appended after the newest position the head file records', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 3);
    const forged = insertForged(dir, 4, 'f'.repeat(64));
    expect(audit(dir).violations).toEqual([expect.objectContaining({ click_id: forged.click_id, seq: 4, rule: 'chain.inserted' })]);
  });

  it('names a row inserted into a purged range', async () => {
    const dir = tempDataDir();
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const clicks = await filledOutbox(dir, 6, (i) => (i < 3 ? { clicked_at: old } : {}));
    const outbox = await openOutbox(dir);
    await ackClicks(outbox, clicks.slice(0, 3).map((c) => c.click_id));
    expect(await outbox.purgeExpired(30)).toBe(3);
    await outbox.close();
    const forged = insertForged(dir, 2, 'a'.repeat(64));
    expect(audit(dir).violations).toEqual([expect.objectContaining({ click_id: forged.click_id, seq: 2, rule: 'chain.inserted' })]);
  });

  it('flags both rows when two rows swap their content', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 10);
    swapRows(dir, 3, 7, false);
    const r = audit(dir);
    expect(r.violations.map((v) => [v.click_id, v.rule])).toEqual([
      [clicks[6]!.click_id, 'chain.edited'],
      [clicks[2]!.click_id, 'chain.edited'],
    ]);
  });

  it('reports two rows moved past each other (hashes and all) as reordered', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 10);
    swapRows(dir, 3, 7, true);
    const r = audit(dir);
    expect(new Set(r.violations.map((v) => v.rule))).toEqual(new Set(['chain.reordered']));
    const named = r.violations.map((v) => v.click_id);
    expect(named).toContain(clicks[2]!.click_id);
    expect(named).toContain(clicks[6]!.click_id);
  });

  it('reports two neighbouring rows swapped as exactly that pair reordered', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 10);
    swapRows(dir, 4, 5, true);
    expect(audit(dir).violations.map((v) => [v.click_id, v.rule])).toEqual([
      [clicks[4]!.click_id, 'chain.reordered'],
      [clicks[3]!.click_id, 'chain.reordered'],
    ]);
  });

  it('catches a cut-off tail through the head file', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 10);
    sqlite(dir).prepare('DELETE FROM clicks WHERE seq > 7').run();
    expect(audit(dir).violations).toEqual([expect.objectContaining({ seq: 8, rule: 'chain.tail_cut' })]);
  });

  it('catches a last row rewritten with a freshly computed hash', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 5);
    const db = sqlite(dir);
    const prev = db.prepare('SELECT chain_hash FROM clicks WHERE seq = 4').pluck().get() as string;
    const edited = { ...clicks[4]!, ip_address: '198.51.100.0' };
    db.prepare('UPDATE clicks SET ip_address = ?, chain_hash = ? WHERE seq = 5').run(edited.ip_address, chainHash(prev, edited));
    expect(audit(dir).violations).toEqual([expect.objectContaining({ click_id: edited.click_id, seq: 5, rule: 'chain.tail_cut' })]);
  });

  it('says so when the head file is missing or unreadable', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 3);
    rmSync(join(dir, 'outbox.head'));
    expect(rules(audit(dir))).toEqual(['chain.head_missing@3']);
    writeFileSync(join(dir, 'outbox.head'), 'garbage');
    expect(rules(audit(dir))).toEqual(['chain.head_missing@0']);
  });

  it('refuses a restored older database, and keeps it visible as a gap once told to carry on', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 5);
    copyFileSync(join(dir, 'outbox.db'), join(dir, 'backup.db'));
    await filledOutbox(dir, 5); // seq 6..10
    copyFileSync(join(dir, 'backup.db'), join(dir, 'outbox.db'));
    expect(rules(audit(dir))).toEqual(['chain.tail_cut@6']);
    // The writer refuses to carry on over the loss unless told to (serve --accept-new-outbox).
    await expect(openOutbox(dir)).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_BEHIND_HEAD' });
    const outbox = await openOutbox(dir, { acceptNewOutbox: true });
    expect(outbox.startupNotes).toEqual([expect.stringContaining('records position 10')]);
    await recordAll(outbox, [click()]);
    await outbox.close();
    const r = audit(dir);
    expect(rules(r)).toEqual(['chain.deleted@6']);
    expect(r.last_seq).toBe(11);
  });

  it('rejects a checkpoint whose count does not match its range', async () => {
    const dir = tempDataDir();
    await filledOutbox(dir, 3);
    const db = sqlite(dir);
    const h = db.prepare('SELECT chain_hash FROM clicks WHERE seq = 1').pluck().get() as string;
    db.prepare('DELETE FROM clicks WHERE seq = 1').run();
    db.prepare("INSERT INTO chain_checkpoints (first_seq, last_seq, count, last_hash, purged_at, reason) VALUES (1, 1, 5, ?, '2025-01-01T00:00:00.000Z', 'retention')").run(h);
    expect(rules(audit(dir))).toEqual(['chain.checkpoint@1']);
  });

  it('flags any single edited field of any row, at that row', async () => {
    const dir = tempDataDir();
    const clicks = await filledOutbox(dir, 8);
    const db = sqlite(dir);
    const columns = CLICK_COLUMNS.filter((c) => c !== 'anonymous');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom(...columns), fc.string({ minLength: 1, maxLength: 12 }), (seq, column, value) => {
        const stored = column === 'metadata' ? JSON.stringify({ utm_term: value }) : value;
        fc.pre(stored !== clickColumns(clicks[seq - 1]!)[CLICK_COLUMNS.indexOf(column)]);
        db.exec('BEGIN');
        try {
          db.prepare(`UPDATE clicks SET ${column} = ? WHERE seq = ?`).run(stored, seq);
          expect(verifyChain(readerOn(db, dir)).violations.map((v) => v.seq)).toContain(seq);
        } finally {
          db.exec('ROLLBACK');
        }
      }),
      { numRuns: 60 },
    );
  });
});
