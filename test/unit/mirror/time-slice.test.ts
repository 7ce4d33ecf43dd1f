import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { TimeSlicer } from '../../../src/mirror/time-slice.js';

describe('TimeSlicer', () => {
  it('is due once its budget is spent, and not again until the next slice has spent it', async () => {
    const s = new TimeSlicer(5);
    expect(s.due).toBe(false);
    const t = performance.now();
    while (performance.now() - t < 6);
    expect(s.due).toBe(true);
    await s.yield();
    expect(s.due).toBe(false);
  });

  it('gives the event loop a real turn (not a microtask): a callback queued before it runs first', async () => {
    const s = new TimeSlicer(0);
    let fired = false;
    setImmediate(() => (fired = true));
    await s.yield();
    expect(fired).toBe(true);
  });
});
