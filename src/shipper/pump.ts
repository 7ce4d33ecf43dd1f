/**
 * Reads pending clicks from the outbox into batches and hands each batch to delivery.
 *
 * - A batch goes when it is full (batch_size clicks, or near the byte cap), or when its first
 *   click has waited linger_ms (at once while draining). Kafka's linger.ms, for the same
 *   reason: fewer, fuller requests under load, a lone click still shipped promptly.
 * - `cursor` is the last seq read. Reads ask only for seq > cursor, so a click in flight is
 *   never read (and sent) twice by this process. It lives in memory only: a restart begins at
 *   0 and sends every pending click again, which is the at-least-once half of delivery; the
 *   main system's de-duplication on click_id is the other half.
 * - At most `pipeline` batches are in flight; the next one is read while the last is on the
 *   wire. The backlog stays in the outbox, never in memory.
 * - notify() is cheap (a counter) so the service may call it per click; while a partial batch
 *   lingers, the outbox is read again only once enough clicks were announced to fill it.
 */
import { performance } from 'node:perf_hooks';
import type { StoredClick } from './ports.js';
import type { Counters } from './counters.js';
import type { PauseGate } from './gate.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Item, OutboxPort, ShipperEvent } from './types.js';

export interface PumpDeps {
  outbox: OutboxPort;
  /** Failed reads are tried again by it. */
  policy: RetryPolicy;
  /** No reads while shipping is paused. */
  gate: PauseGate;
  counters: Counters;
  emit(e: ShipperEvent): void;
  batchSize: number;
  maxBytes: number;
  lingerMs: number;
  pollMs: number;
  pipeline: number;
  /** Sends a batch and settles its clicks; never rejects. */
  deliver(items: Item[]): Promise<void>;
}

/** A click's size in a request, about: its texts plus the field names (the outbox's estimate too). */
const CLICK_OVERHEAD = 170;
function sizeOf(c: StoredClick): number {
  return CLICK_OVERHEAD + c.click_id.length + c.tracking_id.length + c.clicked_at.length + (c.ip_address?.length ?? 0) + (c.user_agent?.length ?? 0) + (c.referrer_url?.length ?? 0) + (c.session_id?.length ?? 0) + c.click_source.length + c.metadata.length;
}

/** When idle, every this many polls the cursor goes back to 0: a safety net for a click left behind it. */
const REWIND_EVERY_POLLS = 30;

export class Pump {
  private cursor = 0;
  private partial: { items: Item[]; bytes: number; since: number } | null = null;
  private readonly batches = new Set<Promise<void>>();
  private cycling: Promise<void> | null = null;
  private again = false;
  private announced = 0;
  private emptyRead = false;
  private polls = 0;
  private rewindWanted = false;
  private draining = 0;
  private halted = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private idleWaiters: ((idle: boolean) => void)[] = [];

  constructor(private readonly o: PumpDeps) {}

  start(): void {
    if (this.pollTimer || this.halted) return;
    this.pollTimer = setInterval(() => this.poll(), this.o.pollMs);
    this.pollTimer.unref();
    this.kick();
  }

  notify(n: number): void {
    this.announced += n;
    const p = this.partial;
    // A lingering partial batch is topped up only when the announced clicks could fill it.
    if (p && this.draining === 0 && this.announced < this.o.batchSize - p.items.length) return;
    this.kick();
  }

  kick(): void {
    if (this.halted) return;
    if (this.cycling) {
      this.again = true;
      return;
    }
    this.cycling = this.cycle();
  }

  /** While any drain is on, batches go without lingering. */
  beginDrain(): void {
    this.draining++;
    this.kick();
  }

  endDrain(): void {
    this.draining = Math.max(0, this.draining - 1);
  }

  /** Reads from the oldest pending click again. Only safe with nothing in flight: else at the next idle poll. */
  rewind(): void {
    this.rewindWanted = !(this.batches.size === 0 && this.partial === null && this.cycling === null);
    if (!this.rewindWanted) this.cursor = 0;
  }

  get idle(): boolean {
    return this.cycling === null && this.batches.size === 0 && this.partial === null && this.emptyRead && !this.o.gate.paused;
  }

  /** Resolves true once idle (nothing in flight, the last read found nothing), false after `ms`. */
  whenIdle(ms: number): Promise<boolean> {
    if (this.halted) return Promise.resolve(false);
    if (this.idle) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      const wake = (idle: boolean) => {
        clearTimeout(t);
        resolve(idle);
      };
      this.idleWaiters.push(wake);
    });
  }

  /** No more reads; the unsent partial batch is dropped (its clicks stay pending). Resolves when no read is outstanding. */
  async halt(): Promise<void> {
    this.halted = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.lingerTimer = this.pollTimer = null;
    this.partial = null;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w(false);
    await this.cycling;
  }

  /** The batches in flight now. */
  inFlight(): Promise<void>[] {
    return [...this.batches];
  }

  private poll(): void {
    if (this.batches.size > 0 || this.cycling || this.partial) return;
    if (++this.polls % REWIND_EVERY_POLLS === 0 || this.rewindWanted) this.rewind();
    const outside = this.o.outbox.changedOutside;
    if (!outside) return this.kick();
    // Clicks re-queued beside the serve sit behind the cursor: read from the oldest again
    // when the outbox says it was changed, at the next poll rather than the next rewind.
    outside.call(this.o.outbox).then(
      (changed) => {
        if (changed) this.rewind();
        this.kick();
      },
      () => this.kick(),
    );
  }

  private async cycle(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.fill();
      } while (this.again && !this.halted);
    } finally {
      this.cycling = null;
      this.checkIdle();
    }
  }

  private async fill(): Promise<void> {
    while (!this.halted && !this.o.gate.paused && this.batches.size < this.o.pipeline) {
      const p = (this.partial ??= { items: [], bytes: 0, since: performance.now() });
      this.announced = 0;
      const read = await this.o.policy.persist(
        () => this.o.outbox.takePending(this.o.batchSize - p.items.length, Math.max(1, this.o.maxBytes - p.bytes), this.cursor),
        (err) => {
          this.emptyRead = false;
          this.o.emit({ type: 'outbox_error', op: 'take', message: err instanceof Error ? err.message : String(err) });
        },
      );
      if (read === null || this.halted) return;
      const rows = read.value;
      for (const r of rows) {
        if (r.seq > this.cursor) this.cursor = r.seq;
        p.items.push(r);
        p.bytes += sizeOf(r.click);
      }
      this.emptyRead = rows.length === 0;
      if (p.items.length === 0) {
        this.partial = null;
        return;
      }
      const full = p.items.length >= this.o.batchSize || p.bytes >= this.o.maxBytes * 0.9;
      const waited = performance.now() - p.since;
      const linger = this.draining > 0 ? 0 : this.o.lingerMs;
      if (full || waited >= linger) {
        this.partial = null;
        this.dispatch(p.items);
        continue;
      }
      this.armLinger(linger - waited);
      return;
    }
  }

  private dispatch(items: Item[]): void {
    this.o.counters.inFlight += items.length;
    const batch: Promise<void> = this.o
      .deliver(items)
      .catch(() => undefined)
      .finally(() => {
        this.o.counters.inFlight -= items.length;
        this.batches.delete(batch);
        this.kick();
        this.checkIdle();
      });
    this.batches.add(batch);
  }

  private armLinger(ms: number): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.kick();
    }, Math.max(0, ms));
  }

  private checkIdle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w(true);
  }
}
