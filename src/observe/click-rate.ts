/**
 * Clicks per minute, people and bots apart, over the last few hours, for the admin status
 * page's chart — kept in memory by the service instead of read from the outbox.
 *
 * Why not a query: `clicks` has no index on clicked_at (each index costs every durable
 * insert, see outbox/schema.ts), so "the last 6 hours by minute" is a scan of up to
 * millions of rows; it would have to run off the redirect thread and would still compete
 * with the writer for the disk at every page view. Two ring buffers of 360 numbers cost
 * nothing to keep: note() is a division, a comparison and an increment per click. The
 * trade-off, shown on the page: the chart starts when the service started.
 */

export const MINUTES_KEPT = 360;

export interface MinuteCounts {
  /** Minute start (ms since the epoch), oldest first, `MINUTES_KEPT` entries ending with the current minute. */
  minutes: number[];
  humans: number[];
  bots: number[];
}

export class ClickRate {
  private readonly humans = new Float64Array(MINUTES_KEPT);
  private readonly bots = new Float64Array(MINUTES_KEPT);
  /** The minute (ms / 60 000) the newest slot holds. */
  private head: number;

  constructor(
    readonly startedAt = Date.now(),
  ) {
    this.head = Math.floor(startedAt / 60_000);
  }

  /** One recorded click, received at `atMs`. O(1); called on the redirect thread. */
  note(atMs: number, bot: boolean): void {
    const minute = Math.floor(atMs / 60_000);
    if (minute > this.head) this.advance(minute);
    const age = this.head - minute;
    if (age >= MINUTES_KEPT) return;
    const slot = minute % MINUTES_KEPT;
    if (bot) this.bots[slot]!++;
    else this.humans[slot]!++;
  }

  private advance(minute: number): void {
    // Clear the slots of the minutes skipped over (no clicks in them), at most the whole ring.
    const steps = Math.min(minute - this.head, MINUTES_KEPT);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.head + i) % MINUTES_KEPT;
      this.humans[slot] = 0;
      this.bots[slot] = 0;
    }
    this.head = minute;
  }

  /** The last `minutes` minutes up to `nowMs`, oldest first. */
  read(nowMs = Date.now(), minutes = MINUTES_KEPT): MinuteCounts {
    const current = Math.floor(nowMs / 60_000);
    if (current > this.head) this.advance(current);
    const n = Math.min(minutes, MINUTES_KEPT);
    const out: MinuteCounts = { minutes: [], humans: [], bots: [] };
    for (let m = this.head - n + 1; m <= this.head; m++) {
      const slot = ((m % MINUTES_KEPT) + MINUTES_KEPT) % MINUTES_KEPT;
      out.minutes.push(m * 60_000);
      out.humans.push(this.humans[slot]!);
      out.bots.push(this.bots[slot]!);
    }
    return out;
  }
}
