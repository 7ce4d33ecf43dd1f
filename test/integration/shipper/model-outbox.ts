/**
 * An in-memory outbox with the real one's delivery state machine (pending → shipped | dead,
 * seq order, reads after a cursor), for property runs too many for SQLite files. Every call is
 * answered on a later turn, as the real writer thread answers; a `session` is one process's
 * view of it: after crash() the session's calls reject and its queued writes are lost (a write
 * the "writer" applied before the crash stays applied, as a committed transaction does).
 */
import type { OutboxPort } from '../../../src/shipper/index.js';
import type { ClickRecord, StoredClick } from '../../../src/types.js';

type State = 'pending' | 'shipped' | 'dead';

export interface ModelRow {
  seq: number;
  click: ClickRecord;
  state: State;
  attempts: number;
  reason: string | null;
  /** clock() when the row became shipped */
  shippedAt: number | null;
}

export class ModelOutbox {
  readonly rows: ModelRow[] = [];
  private readonly byId = new Map<string, ModelRow>();
  private seq = 0;

  constructor(
    private readonly clock: () => number,
    /** Called when a click is marked shipped: the test checks the main system has it. */
    private readonly onShipped: (id: string) => void = () => undefined,
  ) {}

  record(click: ClickRecord): void {
    const row: ModelRow = { seq: ++this.seq, click, state: 'pending', attempts: 0, reason: null, shippedAt: null };
    this.rows.push(row);
    this.byId.set(click.click_id, row);
  }

  get(id: string): ModelRow | undefined {
    return this.byId.get(id);
  }

  session(): { port: OutboxPort; crash(): void } {
    let dead = false;
    const later = <T>(apply: () => T): Promise<T> =>
      new Promise((resolve, reject) =>
        setImmediate(() => {
          if (dead) return reject(new Error('process killed'));
          const v = apply();
          setImmediate(() => (dead ? reject(new Error('process killed')) : resolve(v)));
        }),
      );
    const port: OutboxPort = {
      takePending: (limit, maxBytes, afterSeq = 0) =>
        later(() => {
          const out: { seq: number; click: StoredClick }[] = [];
          let bytes = 0;
          for (const r of this.rows) {
            if (r.seq <= afterSeq || r.state !== 'pending') continue;
            const size = JSON.stringify(r.click).length;
            if (out.length >= limit || (out.length > 0 && bytes + size > maxBytes)) break;
            bytes += size;
            out.push({ seq: r.seq, click: { ...r.click, metadata: JSON.stringify(r.click.metadata, Object.keys(r.click.metadata).sort()) } });
          }
          return out;
        }),
      ackShipped: (seqs) =>
        later(() => {
          let n = 0;
          for (const seq of seqs) {
            const r = this.rows[seq - 1]; // seq n is the n-th row recorded
            if (r?.state !== 'pending') continue;
            this.onShipped(r.click.click_id);
            r.state = 'shipped';
            r.shippedAt = this.clock();
            n++;
          }
          return n;
        }),
      noteAttempt: (ids) =>
        later(() => {
          for (const id of ids) {
            const r = this.byId.get(id);
            if (r?.state === 'pending') r.attempts++;
          }
        }),
      deadLetter: (items) =>
        later(() => {
          for (const it of items) {
            const r = this.byId.get(it.click_id);
            if (r?.state !== 'pending') continue;
            r.state = 'dead';
            r.reason = it.reason;
          }
        }),
      stats: () =>
        later(() => ({
          pending: this.rows.filter((r) => r.state === 'pending').length,
          dead_letter: this.rows.filter((r) => r.state === 'dead').length,
        })),
    };
    return {
      port,
      crash: () => {
        dead = true;
      },
    };
  }
}
