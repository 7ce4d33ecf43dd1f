import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/shipper/limiter.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Limiter', () => {
  it('runs at most `max` tasks at once', async () => {
    const l = new Limiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        l.run(async () => {
          peak = Math.max(peak, ++running);
          await tick();
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('halves on shedding down to 1, and climbs back by one per success', () => {
    const l = new Limiter(8);
    l.shed();
    expect(l.current).toBe(4);
    l.shed();
    l.shed();
    l.shed();
    expect(l.current).toBe(1);
    for (let i = 0; i < 20; i++) l.recover();
    expect(l.current).toBe(8);
  });
});
