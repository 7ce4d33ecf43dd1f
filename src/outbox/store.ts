/**
 * The one write connection to an outbox shard (outbox.db for shard 0, shard-files.ts names
 * the others), synchronous (better-sqlite3). It lives in the shard's writer thread; nothing
 * else writes the file. Clicks are inserted in batches, one transaction each,
 * chained in order; the in-memory chain tip and counts advance only after a commit.
 */
import Database from 'better-sqlite3';
import { basename } from 'node:path';
import type { Durability } from '../types.js';
import { ensureDataDir, preparePrivateDatabase } from '../fs/data-dir.js';
import { chainHash, GENESIS_HASH } from './chain.js';
import { CLICK_COLUMNS, CLICK_STRIDE, columnsAt } from './columns.js';
import { HeadFormatError, readHead, writeHead, type ChainHead } from './head.js';
import { checkAgainstHead, checkPresentBeforeOpen, checkWalBeforeOpen, openVerified, whenSpaceAllows, type OpenChecks } from './open-checked.js';
import type { OpMap, PendingRows, PurgedCounts, StoreStats } from './writer-protocol.js';
import { makePurger } from './purge.js';
import { probeSpace } from './space-probe.js';
import { makeRequeuer } from './requeue.js';
import { applySchema, applyWriterPragmas } from './schema.js';
import { shardFiles } from './shard-files.js';

const COLS = CLICK_COLUMNS.join(', ');
/** Rough JSON size of one click besides its values (keys, quotes, commas). */
const JSON_OVERHEAD = 170;
/** Values bound per inserted row: seq, the click columns, chain_hash. */
const INSERT_WIDTH = CLICK_STRIDE + 2;
/**
 * Rows per INSERT statement, largest first. A batch goes in multi-row statements because
 * per statement, not per row, SQLite updates sqlite_sequence (AUTOINCREMENT) and
 * better-sqlite3 crosses into native code (README, Benchmarks: the writer's CPU per click).
 * 64 × 12 values stays far below SQLite's variable limit.
 */
const INSERT_CHUNKS = [64, 16, 4, 1] as const;

function insertSql(rows: number): string {
  const tuple = `(?${', ?'.repeat(INSERT_WIDTH - 1)})`;
  return `INSERT INTO clicks (seq, ${COLS}, chain_hash) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

function prepareStatements(db: Database.Database) {
  return {
    // Rows as arrays (seq, then the click columns): no object per row to build and take apart.
    pending: db
      .prepare<[number, number], unknown[]>(`SELECT seq, ${COLS} FROM clicks WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?`)
      .raw(),
    // By position, a run of consecutive ones per statement: a batch's clicks are consecutive
    // rows, so one range update replaces a lookup of each click_id in its unique index.
    ack: db.prepare<[string, number, number]>("UPDATE clicks SET state = 'shipped', shipped_at = ? WHERE seq BETWEEN ? AND ? AND state = 'pending'"),
    attempt: db.prepare<[string, string]>("UPDATE clicks SET attempts = attempts + 1, last_error = ? WHERE click_id = ? AND state = 'pending'"),
    dead: db.prepare<[string, string]>(
      "UPDATE clicks SET state = 'dead', dead_reason = ?, attempts = attempts + 1 WHERE click_id = ? AND state = 'pending'",
    ),
    oldest: db.prepare<[], { clicked_at: string }>("SELECT clicked_at FROM clicks WHERE state = 'pending' ORDER BY seq LIMIT 1"),
  };
}

export class OutboxStore {
  readonly db: Database.Database;
  private tip: ChainHead;
  private counts: { pending: number; shipped: number; dead: number };
  private readonly inserts: { rows: number; stmt: Database.Statement<unknown[]>; args: unknown[] }[];
  private readonly insertBatchTx: (flats: readonly (readonly unknown[])[]) => ChainHead;
  private readonly purger: (a: OpMap['purgeStep']['args']) => PurgedCounts;
  private readonly requeuer: (ids: readonly string[] | null) => number;
  private readonly s: ReturnType<typeof prepareStatements>;
  /** PRAGMA data_version as last seen: it moves only when another connection commits. */
  private dataVersion = 0;
  private outsideChange = false;
  /** What the operator accepted at this start (--accept-new-outbox); empty when nothing was wrong. */
  readonly startupNotes: string[];

  /** Throws an OutboxError (CR_ERR_OUTBOX_*) when the files are damaged or behind their head (see open-checked.ts). */
  constructor(
    private readonly dataDir: string,
    durability: Durability,
    acceptNewOutbox = false,
    /** Which shard (0: outbox.db). */
    private readonly shard = 0,
  ) {
    const checks: OpenChecks = { acceptNewOutbox, notes: [], shard };
    this.startupNotes = checks.notes;
    this.db = whenSpaceAllows(
      dataDir,
      () => {
        ensureDataDir(dataDir); // 0700: click data is for this user only (audit: outbox.file_mode)
        checkPresentBeforeOpen(dataDir, readHeadOrNull(dataDir, shard), checks);
        checkWalBeforeOpen(dataDir, checks);
        preparePrivateDatabase(shardFiles(dataDir, shard).db);
        const db = openVerified(dataDir, checks);
        applyWriterPragmas(db, durability);
        applySchema(db, basename(shardFiles(dataDir, shard).db));
        return db;
      },
      shard,
    );
    const db = this.db;
    this.inserts = INSERT_CHUNKS.map((rows) => ({ rows, stmt: db.prepare(insertSql(rows)), args: new Array<unknown>(rows * INSERT_WIDTH) }));
    this.s = prepareStatements(db);
    this.insertBatchTx = db.transaction((flats: readonly (readonly unknown[])[]): ChainHead => {
      let { seq, chain_hash: hash } = this.tip;
      for (const flat of flats) {
        const total = flat.length / CLICK_STRIDE;
        let row = 0;
        while (row < total) {
          // The largest statement that fits what is left: 100 rows go as 64 + 16 + 16 + 4.
          const ins = this.inserts.find((c) => c.rows <= total - row)!;
          const args = ins.args;
          let a = 0;
          for (let r = 0; r < ins.rows; r++, row++) {
            const at = row * CLICK_STRIDE;
            hash = chainHash(hash, columnsAt(flat, at));
            args[a++] = ++seq;
            for (let c = 0; c < CLICK_STRIDE; c++) args[a++] = flat[at + c];
            args[a++] = hash;
          }
          ins.stmt.run(args);
        }
      }
      return { seq, chain_hash: hash };
    });
    this.purger = makePurger(db);
    this.requeuer = makeRequeuer(db);
    this.tip = this.recoverTip(checks);
    this.counts = this.countStates();
    this.dataVersion = this.readDataVersion();
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * The counts are kept by increments of this connection's own changes; another connection's
   * commit (`dead-letters requeue` beside the serve) would make them wrong, even negative. So
   * when SQLite says one happened, they are counted again, and the change is reported once
   * (changedOutside) so the shipper reads from the oldest pending click again.
   */
  private noteOutsideChange(): void {
    const v = this.readDataVersion();
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    this.counts = this.countStates();
    this.outsideChange = true;
  }

  changedOutside(): boolean {
    this.noteOutsideChange();
    const changed = this.outsideChange;
    this.outsideChange = false;
    return changed;
  }

  /**
   * Where the chain continues: the newest of the last row, the last checkpoint, and the head
   * file. A head file ahead of the database (a cut tail, a restored backup, a deleted file)
   * refuses the start; accepted by the operator, it is continued from, not overwritten, so
   * the missing positions stay visible to the audit as a gap (and a rewritten last row as a break).
   */
  private recoverTip(checks: OpenChecks): ChainHead {
    const row = this.db.prepare('SELECT seq, chain_hash FROM clicks ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined;
    const cp = this.db.prepare('SELECT last_seq AS seq, last_hash AS chain_hash FROM chain_checkpoints ORDER BY last_seq DESC LIMIT 1').get() as
      | ChainHead
      | undefined;
    let tip: ChainHead = { seq: 0, chain_hash: GENESIS_HASH };
    for (const c of [row, cp]) if (c && c.seq > tip.seq) tip = c;
    const hw = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'clicks'").get() as { seq: number } | undefined;
    if (hw && hw.seq > tip.seq) tip = { seq: hw.seq, chain_hash: tip.chain_hash };
    const head = readHeadOrNull(this.dataDir, this.shard);
    checkAgainstHead(this.dataDir, tip, head, checks);
    if (head && (head.seq > tip.seq || (head.seq === tip.seq && head.chain_hash !== tip.chain_hash))) return head;
    if (!head || head.seq < tip.seq) this.writeHead(tip);
    return tip;
  }

  private countStates(): { pending: number; shipped: number; dead: number } {
    const n = (sql: string): number => (this.db.prepare(sql).pluck().get() as number) ?? 0;
    const pending = n("SELECT count(*) FROM clicks WHERE state = 'pending'");
    const dead = n("SELECT count(*) FROM clicks WHERE state = 'dead'");
    return { pending, dead, shipped: n('SELECT count(*) FROM clicks') - pending - dead };
  }

  /** After a key collision: the newest row is the tip again (another writer may have added rows). */
  reloadTip(): void {
    const row = this.db.prepare('SELECT seq, chain_hash FROM clicks ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined;
    if (row && row.seq > this.tip.seq) this.tip = row;
    this.counts = this.countStates();
  }

  get head(): ChainHead {
    return this.tip;
  }

  /** Inserts several flat batches, in order, in one transaction; throws (and changes nothing) if it fails. */
  insertBatches(flats: readonly (readonly unknown[])[]): number {
    this.tip = this.insertBatchTx(flats);
    let n = 0;
    for (const flat of flats) n += flat.length / CLICK_STRIDE;
    this.counts.pending += n;
    return n;
  }

  writeHead(head: ChainHead = this.tip, sync = false): void {
    writeHead(this.dataDir, head, sync, this.shard);
  }

  takePending({ limit, maxBytes, afterSeq }: OpMap['takePending']['args']): PendingRows {
    const seqs: number[] = [];
    const flat: unknown[] = [];
    let bytes = 0;
    for (const row of this.s.pending.iterate(afterSeq, limit)) {
      let size = JSON_OVERHEAD;
      for (let c = 1; c <= CLICK_STRIDE; c++) {
        const v = row[c];
        if (typeof v === 'string') size += v.length;
      }
      if (seqs.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      seqs.push(row[0] as number);
      for (let c = 1; c <= CLICK_STRIDE; c++) flat.push(row[c]);
    }
    return { seqs, flat, bytes };
  }

  /** Runs `stmt` once per item in one transaction; returns rows changed. */
  private each<T>(items: readonly T[], run: (item: T) => Database.RunResult): number {
    return this.db.transaction(() => items.reduce((n, it) => n + run(it).changes, 0))();
  }

  ackShipped({ seqs, at }: OpMap['ackShipped']['args']): number {
    const n = this.each(runsOf(seqs), ([first, last]) => this.s.ack.run(at, first, last));
    this.counts.pending -= n;
    this.counts.shipped += n;
    return n;
  }

  noteAttempt({ ids, error }: OpMap['noteAttempt']['args']): number {
    return this.each(ids, (id) => this.s.attempt.run(error, id));
  }

  deadLetter({ items }: OpMap['deadLetter']['args']): number {
    const n = this.each(items, (it) => this.s.dead.run(it.reason, it.click_id));
    this.counts.pending -= n;
    this.counts.dead += n;
    return n;
  }

  requeueDead({ ids }: OpMap['requeueDead']['args']): number {
    const n = this.requeuer(ids);
    this.counts.dead -= n;
    this.counts.pending += n;
    return n;
  }

  purgeStep(args: OpMap['purgeStep']['args']): PurgedCounts {
    const n = this.purger(args);
    this.counts.shipped -= n.shipped;
    this.counts.pending -= n.pending;
    this.counts.dead -= n.dead;
    return n;
  }

  stats(): StoreStats {
    this.noteOutsideChange();
    return {
      pending: this.counts.pending,
      shipped: this.counts.shipped,
      dead_letter: this.counts.dead,
      oldest_pending: this.s.oldest.get()?.clicked_at ?? null,
      last_seq: this.tip.seq,
    };
  }

  /**
   * Whether a click could be stored now: room for new data in the folder (space-probe.ts), then
   * one meta row rewritten unchanged, a commit through the same connection the clicks use.
   */
  probe(): number {
    probeSpace(this.dataDir);
    return this.db.prepare("UPDATE meta SET value = value WHERE key = 'schema_version'").run().changes;
  }

  close(): void {
    this.db.close();
    this.writeHead(this.tip, true);
  }
}

/**
 * A damaged head counts as none: the audit reports it, and the writer rewrites it from the
 * database. A head that cannot be read at all (permission, I/O) is not "none": it stops the
 * open, else the behind-head check would be silently off for this start.
 */
function readHeadOrNull(dataDir: string, shard: number): ChainHead | null {
  try {
    return readHead(dataDir, shard);
  } catch (err) {
    if (err instanceof HeadFormatError) return null;
    throw err;
  }
}

/** Positions as runs of consecutive ones, [first, last] each: 1 2 3 7 8 → [1, 3] [7, 8]. */
export function runsOf(seqs: readonly number[]): [number, number][] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const s of sorted) {
    const last = runs[runs.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else runs.push([s, s]);
  }
  return runs;
}
