/**
 * The audit chain: every click's chain_hash = SHA-256(previous chain_hash, its stored columns),
 * written in the transaction that inserts it. Verification walks the rows in seq order
 * (streaming, constant memory) and names the click and the rule for every break.
 *
 * The chain is unkeyed: it shows accidental or casual change (an edited row, a restored
 * backup, a cut tail), not an attacker who rewrites every later hash and the head file too.
 */
import { hash } from 'node:crypto';
import type { ClickRecord } from '../types.js';
import { clickColumns, type ClickColumns } from './columns.js';
import type { ChainHead } from './head.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The one definition of what a row's hash covers: its stored columns, in fixed order. */
export function canonicalClickFields(click: ClickRecord | ClickColumns): string {
  return JSON.stringify(Array.isArray(click) ? click : clickColumns(click as ClickRecord));
}

/**
 * SHA-256 over `prevHash`, a newline and the canonical fields, as hex. One-shot crypto.hash
 * over the joined text: the same bytes as three update() calls (the parts are ASCII hex, "\n"
 * and JSON, which escapes lone surrogates, so joining cannot pair characters across them), with
 * one one-shot call instead of a Hash object fed three times: it runs once per click on the writer thread and per
 * row in the audit.
 */
export function chainHash(prevHash: string, click: ClickRecord | ClickColumns): string {
  return hash('sha256', `${prevHash}\n${canonicalClickFields(click)}`, 'hex');
}

export interface ChainRow {
  seq: number;
  chain_hash: string;
  columns: ClickColumns;
}

export interface ChainCheckpoint {
  first_seq: number;
  last_seq: number;
  count: number;
  last_hash: string;
}

/** What verifyChain reads: rows and checkpoints each in seq order, and the head file. */
export interface ChainReader {
  chainRows(): Iterable<ChainRow>;
  checkpoints(): Iterable<ChainCheckpoint>;
  /** null when there is no head file; throws when it is unreadable. */
  head(): ChainHead | null;
  /** Runs `read` on one consistent snapshot of the database (called after head() is read). */
  snapshot?<T>(read: () => T): T;
}

export type ChainRule =
  | 'chain.edited' // the row's columns no longer give its hash
  | 'chain.deleted' // positions missing with no checkpoint
  | 'chain.inserted' // a row that is not part of the chain, or inside a purged range
  | 'chain.reordered' // a row moved away from where it was chained
  | 'chain.tail_cut' // the database ends before (or differs at) the head kept outside it
  | 'chain.head_missing' // outbox.head is missing or unreadable
  | 'chain.checkpoint'; // a checkpoint that cannot be right

export interface ChainViolation {
  click_id: string | null;
  seq: number;
  rule: ChainRule;
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  last_seq: number;
  violations: ChainViolation[];
}

type Element = ({ kind: 'row' } & ChainRow) | ({ kind: 'cp' } & ChainCheckpoint);

/** Rows and checkpoints merged into one stream in position order. */
function* positions(reader: ChainReader): Generator<Element> {
  const cps = reader.checkpoints()[Symbol.iterator]();
  let cp = cps.next();
  for (const row of reader.chainRows()) {
    while (!cp.done && cp.value.first_seq <= row.seq) {
      yield { kind: 'cp', ...cp.value };
      cp = cps.next();
    }
    yield { kind: 'row', ...row };
  }
  for (; !cp.done; cp = cps.next()) yield { kind: 'cp', ...cp.value };
}

/**
 * Checks the whole chain. The head file is read before the database snapshot is taken: the
 * head never leads the database, so a snapshot taken after it can only be newer.
 */
export function verifyChain(reader: ChainReader): ChainReport {
  const v = new ChainWalk();
  try {
    v.head = reader.head();
  } catch (err) {
    v.flag(null, 0, 'chain.head_missing', `outbox.head is unreadable, so a cut-off tail cannot be ruled out: ${(err as Error).message}`);
  }
  const walk = (): ChainReport => v.walk(positions(reader));
  return reader.snapshot ? reader.snapshot(walk) : walk();
}

/** The state of one verification: where the chain should continue, and what was found. */
class ChainWalk {
  head: ChainHead | null = null;
  readonly violations: ChainViolation[] = [];
  private next = 1; // the position the next element should start at
  private prev = GENESIS_HASH; // the hash the next row should be chained on
  private prevMoved = false; // the previous row was flagged as moved: its successor's break is the same event
  private before: { hash: string; row: ChainRow } | null = null; // the previous row and the hash it was chained on
  private rows = 0;

  flag(click_id: string | null, seq: number, rule: ChainRule, detail: string): void {
    this.violations.push({ click_id, seq, rule, detail });
  }

  walk(elements: Iterator<Element>): ChainReport {
    let cur = elements.next();
    while (!cur.done) {
      const la = elements.next();
      const e = cur.value;
      const lookahead = !la.done && la.value.kind === 'row' && e.kind === 'row' && la.value.seq === e.seq + 1 ? la.value : null;
      const usedLookahead = e.kind === 'cp' ? (this.checkpoint(e), false) : this.row(e, lookahead);
      cur = usedLookahead ? elements.next() : la;
    }
    return this.finish();
  }

  private checkpoint(c: ChainCheckpoint): void {
    if (c.last_seq < c.first_seq || c.count !== c.last_seq - c.first_seq + 1) {
      this.flag(null, c.first_seq, 'chain.checkpoint', `checkpoint ${c.first_seq}..${c.last_seq} claims ${c.count} rows`);
    }
    if (c.first_seq > this.next) this.gap(c.first_seq);
    if (c.first_seq < this.next) this.flag(null, c.first_seq, 'chain.checkpoint', `checkpoint ${c.first_seq}..${c.last_seq} overlaps positions before ${this.next}`);
    if (c.last_seq >= this.next) this.advance(c.last_seq, c.last_hash, null);
  }

  /** Returns true when it also dealt with the lookahead row. */
  private row(r: ChainRow, s: ChainRow | null): boolean {
    this.rows++;
    const id = r.columns[0];
    if (r.seq < this.next) {
      this.flag(id, r.seq, 'chain.inserted', `seq ${r.seq} lies inside a purged range that ends at ${this.next - 1}`);
      return false;
    }
    if (r.seq > this.next) {
      // The missing row's hash is unknown: take this row's as given and go on from it.
      this.gap(r.seq);
      this.advance(r.seq, r.chain_hash, id);
      return false;
    }
    if (chainHash(this.prev, r.columns) === r.chain_hash) {
      this.advance(r.seq, r.chain_hash, id, r.chain_hash, r);
      return false;
    }
    // One row of lookbehind and one of lookahead tell the kinds of break apart.
    const b = this.before;
    if (b && chainHash(b.hash, r.columns) === r.chain_hash) {
      this.flag(b.row.columns[0], b.row.seq, 'chain.inserted', 'the next row is chained directly on the one before it: this row was added between them');
      this.advance(r.seq, r.chain_hash, id);
      return false;
    }
    if (s && chainHash(s.chain_hash, r.columns) === r.chain_hash) {
      this.flag(id, r.seq, 'chain.reordered', `swapped with the next row (${s.columns[0]}), which it was chained after`);
      this.flag(s.columns[0], s.seq, 'chain.reordered', `swapped with the previous row (${id})`);
      this.rows++;
      this.advance(s.seq, r.chain_hash, s.columns[0], s.chain_hash); // the chain goes on from the pair's original second row
      return true;
    }
    if (s && chainHash(this.prev, s.columns) === s.chain_hash) {
      this.flag(id, r.seq, 'chain.inserted', 'the next row is chained directly on the previous one: this row was added between them');
      this.next = r.seq + 1; // prev stays: the next row verifies against it
      return false;
    }
    if (this.prevMoved) {
      this.flag(id, r.seq, 'chain.reordered', 'the row before it was moved here from elsewhere, or replaced');
    } else if (!s && this.head && r.seq > this.head.seq) {
      this.flag(id, r.seq, 'chain.inserted', 'appended after the newest position outbox.head records, and not chained on the row before it');
    } else if (!s || chainHash(r.chain_hash, s.columns) === s.chain_hash) {
      this.flag(id, r.seq, 'chain.edited', 'its columns no longer give its chain_hash: edited (or the row before it was rewritten with a new hash, or removed and positions renumbered)');
    } else {
      this.flag(id, r.seq, 'chain.reordered', 'it is not chained on its neighbours: moved here from elsewhere, or replaced');
      this.advance(r.seq, r.chain_hash, id);
      this.prevMoved = true;
      return false;
    }
    // Follow the stored chain, so one bad row is one violation, not a cascade.
    this.advance(r.seq, r.chain_hash, id);
    return false;
  }

  private gap(upTo: number): void {
    this.flag(null, this.next, 'chain.deleted', `positions ${this.next}..${upTo - 1} are missing and no checkpoint covers them`);
  }

  /** Moves past `seq`, whose stored hash is `storedHash` (what outbox.head may record for it). */
  private advance(seq: number, chainOn: string, click_id: string | null, storedHash = chainOn, row: ChainRow | null = null): void {
    const h = this.head;
    if (h && h.seq === seq && h.chain_hash !== storedHash) {
      this.flag(click_id, seq, 'chain.tail_cut', `outbox.head has ${h.chain_hash.slice(0, 12)}… at seq ${seq}, the database ${storedHash.slice(0, 12)}…: the tail was rewritten`);
    }
    this.before = row ? { hash: this.prev, row } : null;
    this.prev = chainOn;
    this.next = seq + 1;
    this.prevMoved = false;
  }

  private finish(): ChainReport {
    const last = this.next - 1;
    if (this.head && this.head.seq > last) {
      this.flag(null, last + 1, 'chain.tail_cut', `outbox.head records seq ${this.head.seq}; the database ends at ${last}: a lost tail of ${this.head.seq - last} committed position(s) (the last WAL commit damaged, or the file cut back or restored)`);
    } else if (this.head === null && last > 0 && !this.violations.some((v) => v.rule === 'chain.head_missing')) {
      this.flag(null, last, 'chain.head_missing', 'outbox.head is missing: a cut-off tail cannot be ruled out');
    }
    return { ok: this.violations.length === 0, rows: this.rows, last_seq: last, violations: this.violations };
  }
}
