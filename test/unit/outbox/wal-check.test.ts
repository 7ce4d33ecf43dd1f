/**
 * checkWal against SQLite itself: a crash image (outbox.db + outbox.db-wal copied while the
 * writer still holds them) is clean; one flipped byte in an early frame is reported, and
 * SQLite really does drop the committed rows after it (so the report is not a false alarm).
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkWal, WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES } from '../../../src/outbox/wal-check.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** 50 committed transactions in WAL mode, copied as a crash would leave them. */
function crashImage(checkpointed = false): { dir: string; rows: number } {
  const live = mkdtempSync(join(tmpdir(), 'cr-wal-live-'));
  const dir = mkdtempSync(join(tmpdir(), 'cr-wal-img-'));
  dirs.push(live, dir);
  const db = new Database(join(live, 'x.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 50; i++) db.transaction(() => ins.run('x'.repeat(3000)))();
  if (checkpointed) db.pragma('wal_checkpoint(PASSIVE)'); // every frame copied into x.db, the WAL kept until the next write
  copyFileSync(join(live, 'x.db'), join(dir, 'x.db'));
  copyFileSync(join(live, 'x.db-wal'), join(dir, 'x.db-wal'));
  db.close();
  return { dir, rows: 50 };
}

const rowsSqliteSees = (dir: string): number => {
  const db = new Database(join(dir, 'x.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM t').pluck().get() as number;
  } finally {
    db.close();
  }
};

function flipByte(file: string, at: number): void {
  const b = readFileSync(file);
  b[at] = b[at]! ^ 0x55;
  writeFileSync(file, b);
}

describe('checkWal', () => {
  it('finds nothing wrong with a crash image, nor with no WAL at all', () => {
    const { dir, rows } = crashImage();
    expect(checkWal(join(dir, 'x.db-wal'))).toBeNull();
    expect(checkWal(join(dir, 'absent-wal'))).toBeNull();
    expect(rowsSqliteSees(dir)).toBe(rows);
  });

  it('reports a flipped byte in an early frame, after which SQLite silently drops committed rows', () => {
    const { dir, rows } = crashImage();
    const wal = join(dir, 'x.db-wal');
    const pageSize = readFileSync(wal).readUInt32BE(8);
    const frame = 10;
    flipByte(wal, WAL_HEADER_BYTES + frame * (WAL_FRAME_HEADER_BYTES + pageSize) + WAL_FRAME_HEADER_BYTES + 100);
    const damage = checkWal(wal);
    expect(damage).toMatchObject({ frame, reason: expect.stringContaining('checksum') });
    expect(damage!.droppedCommits).toBeGreaterThan(20);
    // Before the check was there this was the whole story: SQLite opens it without a word.
    expect(rowsSqliteSees(dir)).toBeLessThan(rows);
  });

  it('reports a flipped checksum in a frame header too', () => {
    const { dir } = crashImage();
    const wal = join(dir, 'x.db-wal');
    const pageSize = readFileSync(wal).readUInt32BE(8);
    flipByte(wal, WAL_HEADER_BYTES + 5 * (WAL_FRAME_HEADER_BYTES + pageSize) + 17);
    expect(checkWal(wal)).toMatchObject({ frame: 5 });
  });

  it('still reports it when every frame was checkpointed already: the replayed older frames shadow the newer file', () => {
    const { dir, rows } = crashImage(true);
    const wal = join(dir, 'x.db-wal');
    const pageSize = readFileSync(wal).readUInt32BE(8);
    flipByte(wal, WAL_HEADER_BYTES + 10 * (WAL_FRAME_HEADER_BYTES + pageSize) + WAL_FRAME_HEADER_BYTES + 100);
    expect(checkWal(wal)).toMatchObject({ frame: 10 });
    expect(rowsSqliteSees(dir)).toBeLessThan(rows);
  });

  it('does not refuse a checkpointed WAL whose damage is only in pages nothing else shadows', () => {
    const { dir, rows } = crashImage(true);
    const wal = join(dir, 'x.db-wal');
    const b = readFileSync(wal);
    const frameBytes = WAL_FRAME_HEADER_BYTES + b.readUInt32BE(8);
    const frames = Math.floor((b.length - WAL_HEADER_BYTES) / frameBytes);
    // The very first frame: recovery then replays nothing, and the file holds every newest page.
    flipByte(wal, WAL_HEADER_BYTES + WAL_FRAME_HEADER_BYTES + 100);
    expect(frames).toBeGreaterThan(10);
    expect(checkWal(wal)).toBeNull();
    expect(rowsSqliteSees(dir)).toBe(rows);
  });

  it('does not mistake a torn last frame (a crash mid-write) for damage', () => {
    const { dir } = crashImage();
    const wal = join(dir, 'x.db-wal');
    flipByte(wal, statSync(wal).size - 10);
    expect(checkWal(wal)).toBeNull();
  });
});
