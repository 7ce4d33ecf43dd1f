/**
 * Writes what the main system said back into the outbox: acknowledgements (coalesced: while
 * one ackShipped is on its way to the writer thread the next ones queue, and single clicks may wait
 * up to ACK_LINGER_MS for company, so single mode's one-click acks become one transaction of
 * many instead of a transaction each), dead letters, and attempt notes. An outbox failure here is
 * retried by the one retry policy until it succeeds or shipping stops; an acknowledgement that never reached the outbox leaves the
 * click pending, so it is sent again later and the main system drops the duplicate.
 */
import type { Counters } from './counters.js';
import type { RetryPolicy } from './retry-policy.js';
import type { OutboxOp, OutboxPort, ShipperEvent } from './types.js';

/** A batch's worth of ids goes at once; fewer wait this long for more. */
const ACK_LINGER_MS = 5;
const ACK_FULL = 500;

interface QueuedAck {
  seqs: readonly number[];
  duplicates: number;
  done: () => void;
}

export class Settler {
  private queue: QueuedAck[] = [];
  private queued = 0;
  private flushing: Promise<void> | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly d: {
      outbox: OutboxPort;
      policy: RetryPolicy;
      counters: Counters;
      emit(e: ShipperEvent): void;
      /** Wall clock, ms (shipped_at, stats.lastSuccess). */
      now(): number;
      /** Fires when stop() begins: acknowledgements go at once, failing writes are given up. */
      stopping: AbortSignal;
    },
  ) {}

  /**
   * Resolves once the outbox has the acknowledgement (or shipping stopped before it could).
   * `linger`: may wait ACK_LINGER_MS for others to share the write (single mode's one-click acks).
   */
  ack(seqs: readonly number[], duplicates: number, linger = false): Promise<void> {
    if (seqs.length === 0) return Promise.resolve();
    return new Promise((done) => {
      this.queue.push({ seqs, duplicates, done });
      this.queued += seqs.length;
      if (!linger || this.queued >= ACK_FULL || this.d.stopping.aborted) this.flushNow();
      else this.lingerTimer ??= setTimeout(() => this.flushNow(), ACK_LINGER_MS);
    });
  }

  private flushNow(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    // With an empty queue flush() would finish synchronously, before `flushing` is assigned,
    // and leave it set for good: only start one when there is something to write.
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.track(this.flush());
  }

  async deadLetter(items: readonly { click_id: string; reason: string }[], kind: 'rejected' | 'http', status?: number): Promise<void> {
    if (items.length === 0) return;
    const ok = await this.track(this.persist('dead_letter', () => this.d.outbox.deadLetter(items)));
    if (!ok) return;
    this.d.counters.deadLettered += items.length;
    this.d.emit({ type: 'dead_letter', count: items.length, kind, reason: items[0]!.reason, ...(status !== undefined ? { status } : {}) });
  }

  /** Best effort, once: a lost note costs only diagnostics. */
  async note(ids: readonly string[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.track(
      this.d.outbox.noteAttempt(ids, error.slice(0, 500)).then(
        () => undefined,
        (err: unknown) => this.d.emit({ type: 'outbox_error', op: 'note', message: message(err) }),
      ),
    );
  }

  /** Resolves when no outbox write of this settler is outstanding. */
  async idle(): Promise<void> {
    if (this.queue.length > 0) this.flushNow();
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        this.queued = 0;
        const seqs = batch.length === 1 ? batch[0]!.seqs : batch.flatMap((b) => b.seqs);
        const duplicates = batch.reduce((n, b) => n + b.duplicates, 0);
        const ok = await this.persist('ack', () => this.d.outbox.ackShipped(seqs, new Date(this.d.now())));
        if (ok) {
          const c = this.d.counters;
          c.shipped += seqs.length;
          c.duplicates += duplicates;
          c.lastSuccess = this.d.now();
          this.d.emit({ type: 'shipped', count: seqs.length, duplicates });
        }
        for (const b of batch) b.done();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** True once `write` succeeded; false if shipping stopped first. */
  private async persist(op: OutboxOp, write: () => Promise<unknown>): Promise<boolean> {
    const r = await this.d.policy.persist(write, (err) => this.d.emit({ type: 'outbox_error', op, message: message(err) }));
    return r !== null;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.writes.add(p);
    const forget = () => void this.writes.delete(p);
    p.then(forget, forget);
    return p;
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
