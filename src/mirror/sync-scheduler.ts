/**
 * When syncs run: once at start, then on `sync.schedule` (node-cron; 5 fields, or 6
 * with seconds first). A tick that finds the previous sync still running is skipped,
 * not queued: the next tick fetches the newer state anyway.
 */
import cron, { type ScheduledTask } from 'node-cron';

/**
 * The clock that ticks on a schedule: node-cron in the service. Injectable so that a test
 * can tick by hand instead of waiting whole seconds on the wall clock.
 */
export type TickSource = (schedule: string, onTick: () => void) => { stop(): Promise<void> | void };

/** node-cron, quiet: its own console logging would bypass the service's logger. */
export const cronTicks: TickSource = (schedule, onTick) => {
  const task: ScheduledTask = cron.schedule(schedule, onTick, {
    name: 'clickrelay-mirror-sync',
    logger: { info() {}, warn() {}, error() {}, debug() {} },
  });
  return { stop: () => task.destroy() };
};

export interface SchedulerOptions {
  schedule: string;
  /** One sync; errors are the job's to report (hooks), the scheduler only keeps going. */
  job: () => Promise<unknown>;
  /** Runs on every tick before the job decision, even when the job is skipped (cheap checks). */
  onTick?: () => void;
  runAtStart?: boolean;
  /** What ticks; node-cron unless a test ticks by hand. */
  ticks?: TickSource;
}

export class SyncScheduler {
  readonly #ticker: { stop(): Promise<void> | void };
  readonly #job: () => Promise<unknown>;
  #current: Promise<unknown> | null = null;
  #stopped = false;
  /** Ticks skipped because a sync was still running. */
  skipped = 0;

  /** `opts.schedule` as src/config/load.ts validated it. */
  constructor(opts: SchedulerOptions) {
    this.#job = opts.job;
    this.#ticker = (opts.ticks ?? cronTicks)(opts.schedule, () => {
      opts.onTick?.();
      this.trigger();
    });
    if (opts.runAtStart ?? true) this.trigger();
  }

  /** Start a sync now unless one is running; returns the running (or new) one's promise, or null when stopped. */
  trigger(): Promise<unknown> | null {
    if (this.#stopped) return null;
    if (this.#current) {
      this.skipped++;
      return this.#current;
    }
    const p = this.#job()
      .catch(() => undefined)
      .finally(() => {
        this.#current = null;
      });
    this.#current = p;
    return p;
  }

  /** Stop ticking and wait for a running sync to end (the caller aborts it first if it must be quick). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#ticker.stop();
    await this.#current;
  }
}
