import { afterEach, describe, expect, it } from 'vitest';
import { SyncScheduler } from '../../../src/mirror/sync-scheduler.js';

let sched: SyncScheduler | null = null;
afterEach(async () => {
  await sched?.stop();
  sched = null;
});

describe('sync schedule', () => {
  it('runs once at start, then on every tick, and never overlaps itself', async () => {
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    let ticks = 0;
    sched = new SyncScheduler({
      schedule: '* * * * * *', // every second
      onTick: () => ticks++,
      job: async () => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 1_600)); // longer than a tick
        concurrent--;
      },
    });
    expect(runs).toBe(1); // at start, synchronously triggered
    await new Promise((r) => setTimeout(r, 3_500));
    expect(ticks).toBeGreaterThanOrEqual(2); // not exact: a loaded machine may run a tick late
    expect(maxConcurrent).toBe(1);
    expect(sched.skipped).toBeGreaterThanOrEqual(1);
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('keeps going after a failed sync', async () => {
    let runs = 0;
    sched = new SyncScheduler({
      schedule: '* * * * * *',
      job: async () => {
        runs++;
        throw new Error('main system down');
      },
    });
    await new Promise((r) => setTimeout(r, 2_200));
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('stop() waits for the running sync and ticks no more', async () => {
    let done = false;
    let runs = 0;
    sched = new SyncScheduler({
      schedule: '* * * * * *',
      job: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 300));
        done = true;
      },
    });
    await sched.stop();
    expect(done).toBe(true);
    const n = runs;
    await new Promise((r) => setTimeout(r, 1_200));
    expect(runs).toBe(n);
    expect(sched.trigger()).toBeNull();
    sched = null;
  });
});
