/**
 * Synchronous read-only access to one outbox shard (outbox.db for shard 0) for the CLI
 * (status, audit, export) and analytics; shard-set-reader.ts covers every shard present. Rows stream
 * in seq order with .iterate(), so memory stays flat however large the outbox is. Safe beside
 * a running service: WAL readers never block the writer.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { ClickRecord } from '../types.js';
import type { ChainCheckpoint, ChainReader, ChainRow } from './chain.js';
import { CLICK_COLUMNS, columnsOfRow, recordOfColumns, type ClickColumns, type ClickRow } from './columns.js';
import { readHead, type ChainHead } from './head.js';
import { shardFiles } from './shard-files.js';

export type DeliveryState = 'pending' | 'shipped' | 'dead';

export interface StoredClick {
  seq: number;
  chain_hash: string;
  state: DeliveryState;
  shipped_at: string | null;
  attempts: number;
  last_error: string | null;
  dead_reason: string | null;
  click: ClickRecord;
}

export interface StoredCheckpoint extends ChainCheckpoint {
  id: number;
  purged_at: string;
  reason: 'retention' | 'dead' | 'erase';
  /** erase: the reviewer's note; null otherwise (and in a schema 1 file, which has no such column) */
  note: string | null;
}

export interface OutboxSummary {
  pending: number;
  shipped: number;
  dead_letter: number;
  oldest_pending: string | null;
  /** When the main system last acknowledged a click (ISO), null if never. */
  last_shipped_at: string | null;
  last_seq: number;
  checkpoints: number;
}

/**
 * A row exactly as stored, nothing parsed (metadata stays JSON text), so a value someone
 * corrupted by hand cannot stop a walk over the outbox: what the audit and the export read.
 */
export interface StoredRow {
  seq: number;
  chain_hash: string;
  state: DeliveryState;
  shipped_at: string | null;
  columns: ClickColumns;
}

/** One tracking id's clicks still in the outbox (retention purges shipped ones). */
export interface TrackingStats {
  total: number;
  sessions: number;
  first: string | null;
  last: string | null;
  /** clicks at or after each of the `since` times asked for, in the same order */
  since: number[];
  /** clicks with metadata.scanner (an e-mail security gateway) */
  scanners: number;
  /** clicks with metadata.bot and no scanner */
  bots: number;
}

/** `since` inclusive, `until` exclusive; both ISO 8601 UTC, compared as stored text. */
export interface RowRange {
  since?: string;
  until?: string;
}

export interface OutboxReadOnly extends ChainReader {
  readonly dataDir: string;
  /** Which shard (0: outbox.db). */
  readonly shard: number;
  /** The shard's database file name (outbox.db, outbox-1.db, …), for reports. */
  readonly file: string;
  /** false when the shard's database does not exist yet: every listing is empty */
  readonly exists: boolean;
  /** Every click in seq order, optionally only those clicked at or after `since` (ISO). */
  clicks(opts?: { since?: string }): IterableIterator<StoredClick>;
  chainRows(): IterableIterator<ChainRow>;
  /**
   * Every row as stored, optionally limited by clicked_at: in seq order, or with `order`
   * 'time' by clicked_at then click_id (what a merge of several shards needs; SQLite sorts,
   * spilling to its temp files, so memory stays flat).
   */
  rows(range?: RowRange, order?: 'seq' | 'time'): IterableIterator<StoredRow>;
  countRows(range?: RowRange): number;
  /** A scan of the outbox (no tracking_id index: it would slow every click's insert). */
  trackingStats(trackingId: string, since: readonly string[]): TrackingStats;
  /** The distinct non-null session_ids of one tracking id's clicks, ascending (counting sessions over several shards). */
  sessionIds(trackingId: string): IterableIterator<string>;
  checkpoints(): IterableIterator<StoredCheckpoint>;
  head(): ChainHead | null;
  snapshot<T>(read: () => T): T;
  summary(): OutboxSummary;
  /** PRAGMA quick_check's findings (at most `max`); empty when the file is sound or absent. Never throws for a damaged file. */
  integrity(max?: number): string[];
  /** Why the oldest pending click that failed a delivery attempt failed, and how often (the shipper's last_error). */
  pendingError(): { attempts: number; last_error: string } | null;
  /** meta.schema_version of outbox.db (null: no outbox yet) */
  schemaVersion(): number | null;
  close(): void;
}

const COLS = CLICK_COLUMNS.join(', ');
// json_valid in a CASE (evaluated lazily, unlike AND): a hand-edited metadata value must not fail
// the whole count, and json_extract raises on malformed JSON. Most metadata is '{}', which is
// never parsed. A scanner flag counts whatever its form (true, or the gateway's name); a click
// with both flags is a scanner's.
const NO_FLAGS = `metadata = '{}' OR NOT json_valid(metadata)`;
const IS_SCANNER = `coalesce(json_extract(metadata, '$.scanner'), 0) NOT IN (0, '')`;
const QUALITY =
  `coalesce(sum(CASE WHEN ${NO_FLAGS} THEN 0 ELSE ${IS_SCANNER} END), 0) AS scanners, ` +
  `coalesce(sum(CASE WHEN ${NO_FLAGS} THEN 0 WHEN ${IS_SCANNER} THEN 0 ELSE json_extract(metadata, '$.bot') = 1 END), 0) AS bots`;
type FullRow = ClickRow & Omit<StoredClick, 'click'>;

export function openOutboxReadOnly(dataDir: string, shard = 0): OutboxReadOnly {
  const path = shardFiles(dataDir, shard).db;
  const db = existsSync(path) ? new Database(path, { readonly: true, fileMustExist: true }) : null;
  const empty = function* <T>(): IterableIterator<T> {};

  return {
    dataDir,
    shard,
    file: basename(path),
    exists: db !== null,
    *clicks(opts = {}) {
      if (!db) return;
      const where = opts.since ? 'WHERE clicked_at >= ?' : '';
      const stmt = db.prepare(`SELECT seq, ${COLS}, chain_hash, state, shipped_at, attempts, last_error, dead_reason FROM clicks ${where} ORDER BY seq`);
      for (const r of stmt.iterate(...(opts.since ? [opts.since] : [])) as IterableIterator<FullRow>) {
        const { seq, chain_hash, state, shipped_at, attempts, last_error, dead_reason } = r;
        yield { seq, chain_hash, state, shipped_at, attempts, last_error, dead_reason, click: recordOfColumns(columnsOfRow(r)) };
      }
    },
    *chainRows() {
      if (!db) return;
      const stmt = db.prepare(`SELECT seq, chain_hash, ${COLS} FROM clicks ORDER BY seq`);
      for (const r of stmt.iterate() as IterableIterator<ClickRow & { seq: number; chain_hash: string }>) {
        yield { seq: r.seq, chain_hash: r.chain_hash, columns: columnsOfRow(r) };
      }
    },
    *rows(range = {}, order = 'seq') {
      if (!db) return;
      const { where, args } = rangeClause(range);
      const stmt = db.prepare(`SELECT seq, ${COLS}, chain_hash, state, shipped_at FROM clicks ${where} ORDER BY ${order === 'time' ? 'clicked_at, click_id' : 'seq'}`);
      for (const r of stmt.iterate(...args) as IterableIterator<ClickRow & Omit<StoredRow, 'columns'>>) {
        yield { seq: r.seq, chain_hash: r.chain_hash, state: r.state, shipped_at: r.shipped_at, columns: columnsOfRow(r) };
      }
    },
    countRows(range = {}) {
      if (!db) return 0;
      const { where, args } = rangeClause(range);
      return db.prepare(`SELECT count(*) FROM clicks ${where}`).pluck().get(...args) as number;
    },
    trackingStats(trackingId, since) {
      if (!db) return { total: 0, sessions: 0, first: null, last: null, since: since.map(() => 0), scanners: 0, bots: 0 };
      const sums = since.map((_, i) => `coalesce(sum(clicked_at >= @s${i}), 0) AS s${i}`).join(', ');
      const params: Record<string, string> = { id: trackingId };
      since.forEach((s, i) => (params[`s${i}`] = s));
      const r = db
        .prepare(
          `SELECT count(*) AS total, count(DISTINCT session_id) AS sessions, min(clicked_at) AS first, max(clicked_at) AS last${sums ? `, ${sums}` : ''}, ` +
            `${QUALITY} ` +
            'FROM clicks WHERE tracking_id = @id',
        )
        .get(params) as Record<string, number | string | null>;
      return {
        total: r.total as number,
        sessions: r.sessions as number,
        first: r.first as string | null,
        last: r.last as string | null,
        since: since.map((_, i) => r[`s${i}`] as number),
        scanners: r.scanners as number,
        bots: r.bots as number,
      };
    },
    sessionIds(trackingId) {
      if (!db) return empty<string>();
      return db.prepare('SELECT DISTINCT session_id FROM clicks WHERE tracking_id = ? AND session_id IS NOT NULL ORDER BY session_id').pluck().iterate(trackingId) as IterableIterator<string>;
    },
    checkpoints() {
      if (!db) return empty<StoredCheckpoint>();
      // SELECT *: a schema 1 file has no note column.
      const rows = db.prepare('SELECT * FROM chain_checkpoints ORDER BY first_seq').iterate() as IterableIterator<Omit<StoredCheckpoint, 'note'> & { note?: string | null }>;
      return (function* () {
        for (const r of rows) yield { id: r.id, first_seq: r.first_seq, last_seq: r.last_seq, count: r.count, last_hash: r.last_hash, purged_at: r.purged_at, reason: r.reason, note: r.note ?? null };
      })();
    },
    head: () => readHead(dataDir, shard),
    snapshot<T>(read: () => T): T {
      if (!db) return read();
      db.exec('BEGIN');
      try {
        return read();
      } finally {
        db.exec('COMMIT');
      }
    },
    summary() {
      if (!db) return { pending: 0, shipped: 0, dead_letter: 0, oldest_pending: null, last_shipped_at: null, last_seq: 0, checkpoints: 0 };
      const one = <T>(sql: string): T => db.prepare(sql).pluck().get() as T;
      return {
        pending: one<number>("SELECT count(*) FROM clicks WHERE state = 'pending'"),
        shipped: one<number>("SELECT count(*) FROM clicks WHERE state = 'shipped'"),
        dead_letter: one<number>("SELECT count(*) FROM clicks WHERE state = 'dead'"),
        oldest_pending: one<string | undefined>("SELECT clicked_at FROM clicks WHERE state = 'pending' ORDER BY seq LIMIT 1") ?? null,
        last_shipped_at: one<string | null>("SELECT max(shipped_at) FROM clicks WHERE state = 'shipped'") ?? null,
        last_seq: one<number>('SELECT max(coalesce((SELECT max(seq) FROM clicks), 0), coalesce((SELECT max(last_seq) FROM chain_checkpoints), 0))'),
        checkpoints: one<number>('SELECT count(*) FROM chain_checkpoints'),
      };
    },
    integrity(max = 20) {
      if (!db) return [];
      try {
        const rows = db.pragma(`quick_check(${Math.max(1, Math.trunc(max))})`) as { quick_check: string }[];
        return rows.map((r) => r.quick_check.replace(/\s*\n\s*/g, ' ')).filter((r) => r !== 'ok');
      } catch (err) {
        return [(err as Error).message]; // not a database at all, or too damaged to check
      }
    },
    pendingError() {
      if (!db) return null;
      // Walks the pending index oldest first: in a stalled backlog the first row has the error.
      return (db.prepare("SELECT attempts, last_error FROM clicks WHERE state = 'pending' AND last_error IS NOT NULL ORDER BY seq LIMIT 1").get() as { attempts: number; last_error: string } | undefined) ?? null;
    },
    schemaVersion() {
      if (!db) return null;
      return Number(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() ?? NaN) || null;
    },
    close: () => db?.close(),
  };
}

function rangeClause(range: RowRange): { where: string; args: string[] } {
  const conds: string[] = [];
  const args: string[] = [];
  if (range.since !== undefined) conds.push('clicked_at >= ?'), args.push(range.since);
  if (range.until !== undefined) conds.push('clicked_at < ?'), args.push(range.until);
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', args };
}
