import { afterEach, describe, expect, it } from 'vitest';
import { SyncScheduler, type TickSource } from '../../../src/mirror/sync-scheduler.js';
import { waitFor } from '../../support/wait-for.js';

let sched: SyncScheduler | null = null;

/** A clock ticked by hand: the scheduler's decisions without waiting whole seconds of wall clock. */
function handTicks() {
  let onTick: (() => void) | null = null;
  const clock = {
    schedules: [] as string[],
    stopped: false,
    source: ((schedule, tick) => {
      clock.schedules.push(schedule);
      onTick = tick;
      return { stop: () => void (clock.stopped = true) };
    }) as TickSource,
    /** One tick, as the schedule would fire it; none once the scheduler stopped it. */
    tick: () => {
      if (!clock.stopped) onTick?.();
    },
  };
  return clock;
}

/** A job that runs until the test lets it end. */
function heldJob() {
  const job = { runs: 0, concurrent: 0, maxConcurrent: 0, done: 0, release: [] as (() => void)[] };
  const run = async () => {
    job.runs++;
    job.concurrent++;
    job.maxConcurrent = Math.max(job.maxConcurrent, job.concurrent);
    await new Promise<void>((r) => job.release.push(r));
    job.concurrent--;
    job.done++;
  };
  return { job, run };
}
afterEach(async () => {
  await sched?.stop();
  sched = null;
});

describe('sync schedule', () => {
  it('runs once at start, then on every tick, and never overlaps itself', async () => {
    const clock = handTicks();
    const { job, run } = heldJob();
    let ticks = 0;
    sched = new SyncScheduler({ schedule: '* * * * * *', onTick: () => ticks++, job: run, ticks: clock.source });
    expect(clock.schedules).toEqual(['* * * * * *']);
    expect(job.runs).toBe(1); // at start, synchronously triggered
    clock.tick(); // the first sync is still running: skipped, not queued
    clock.tick();
    expect(ticks).toBe(2);
    expect(job.runs).toBe(1);
    expect(sched.skipped).toBe(2);
    const first = sched.trigger();
    job.release.shift()!();
    await first;
    clock.tick(); // idle now: the tick starts the next sync
    expect(job.runs).toBe(2);
    expect(ticks).toBe(3);
    expect(job.maxConcurrent).toBe(1);
    expect(sched.skipped).toBeGreaterThanOrEqual(1);
    job.release.shift()!();
  });

  it('keeps going after a failed sync', async () => {
    const clock = handTicks();
    let runs = 0;
    sched = new SyncScheduler({
      schedule: '* * * * * *',
      ticks: clock.source,
      job: async () => {
        runs++;
        throw new Error('main system down');
      },
    });
    await sched.trigger(); // joins the failed start-up sync: it settles, it does not throw
    clock.tick();
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('stop() waits for the running sync and ticks no more', async () => {
    const clock = handTicks();
    const { job, run } = heldJob();
    sched = new SyncScheduler({ schedule: '* * * * * *', job: run, ticks: clock.source });
    let stopped = false;
    const stopping = sched.stop().then(() => (stopped = true));
    expect(clock.stopped).toBe(true); // the schedule no longer ticks
    await new Promise((r) => setImmediate(r)); // a turn of the loop, so a stop() that did not wait would have settled
    expect(stopped, 'stop() waits for the running sync').toBe(false);
    job.release.shift()!();
    await stopping;
    expect(job.done).toBe(1);
    const n = job.runs;
    clock.tick();
    expect(job.runs).toBe(n);
    expect(sched.trigger()).toBeNull();
    sched = null;
  });

  it('node-cron is the clock in the service: a six-field schedule ticks every second', async () => {
    let ticks = 0;
    sched = new SyncScheduler({ schedule: '* * * * * *', onTick: () => ticks++, runAtStart: false, job: async () => undefined });
    await waitFor('a node-cron tick', () => ticks >= 1, { timeoutMs: 10_000 });
    await sched.stop();
    sched = null;
  });
});
