/**
 * Synchronous read-only access to outbox.db for the CLI (status, audit, export). Rows stream
 * in seq order with .iterate(), so memory stays flat however large the outbox is. Safe beside
 * a running service: WAL readers never block the writer.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickRecord } from '../types.js';
import type { ChainCheckpoint, ChainReader, ChainRow } from './chain.js';
import { CLICK_COLUMNS, columnsOfRow, recordOfColumns, type ClickRow } from './columns.js';
import { readHead, type ChainHead } from './head.js';
import { OUTBOX_DB } from './schema.js';

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
  reason: 'retention' | 'dead';
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

export interface OutboxReadOnly extends ChainReader {
  readonly dataDir: string;
  /** false when outbox.db does not exist yet: every listing is empty */
  readonly exists: boolean;
  /** Every click in seq order, optionally only those clicked at or after `since` (ISO). */
  clicks(opts?: { since?: string }): IterableIterator<StoredClick>;
  chainRows(): IterableIterator<ChainRow>;
  checkpoints(): IterableIterator<StoredCheckpoint>;
  head(): ChainHead | null;
  snapshot<T>(read: () => T): T;
  summary(): OutboxSummary;
  close(): void;
}

const COLS = CLICK_COLUMNS.join(', ');
type FullRow = ClickRow & Omit<StoredClick, 'click'>;

export function openOutboxReadOnly(dataDir: string): OutboxReadOnly {
  const path = join(dataDir, OUTBOX_DB);
  const db = existsSync(path) ? new Database(path, { readonly: true, fileMustExist: true }) : null;
  const empty = function* <T>(): IterableIterator<T> {};

  return {
    dataDir,
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
    checkpoints() {
      if (!db) return empty<StoredCheckpoint>();
      return db
        .prepare('SELECT id, first_seq, last_seq, count, last_hash, purged_at, reason FROM chain_checkpoints ORDER BY first_seq')
        .iterate() as IterableIterator<StoredCheckpoint>;
    },
    head: () => readHead(dataDir),
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
    close: () => db?.close(),
  };
}
