/**
 * When syncs run: once at start, then on `sync.schedule` (node-cron; 5 fields, or 6
 * with seconds first). A tick that finds the previous sync still running is skipped,
 * not queued: the next tick fetches the newer state anyway.
 */
import cron, { type ScheduledTask } from 'node-cron';

export interface SchedulerOptions {
  schedule: string;
  /** One sync; errors are the job's to report (hooks), the scheduler only keeps going. */
  job: () => Promise<unknown>;
  /** Runs on every tick before the job decision, even when the job is skipped (cheap checks). */
  onTick?: () => void;
  runAtStart?: boolean;
}

export class SyncScheduler {
  readonly #task: ScheduledTask;
  readonly #job: () => Promise<unknown>;
  #current: Promise<unknown> | null = null;
  #stopped = false;
  /** Ticks skipped because a sync was still running. */
  skipped = 0;

  /** `opts.schedule` as src/config/load.ts validated it. */
  constructor(opts: SchedulerOptions) {
    this.#job = opts.job;
    this.#task = cron.schedule(
      opts.schedule,
      () => {
        opts.onTick?.();
        this.trigger();
      },
      {
        name: 'clickrelay-mirror-sync',
        // node-cron's own console logging would bypass the service's logger.
        logger: { info() {}, warn() {}, error() {}, debug() {} },
      },
    );
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
    await this.#task.destroy();
    await this.#current;
  }
}
