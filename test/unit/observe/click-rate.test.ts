/** The status page's per-minute counters: people and bots apart, old minutes cleared as time moves on. */
import { describe, expect, it } from 'vitest';
import { ClickRate, MINUTES_KEPT } from '../../../src/observe/click-rate.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

describe('ClickRate', () => {
  it('counts per minute, people and bots apart, oldest first ending with the current minute', () => {
    const r = new ClickRate(T0);
    r.note(T0 + 1_000, false);
    r.note(T0 + 2_000, true);
    r.note(T0 + MIN + 5, false);
    r.note(T0 + MIN + 6, false);
    const c = r.read(T0 + MIN + 10, 3);
    expect(c.minutes).toEqual([T0 - MIN, T0, T0 + MIN]);
    expect(c.humans).toEqual([0, 1, 2]);
    expect(c.bots).toEqual([0, 1, 0]);
  });

  it('clears the minutes it skips, and forgets what is older than the ring', () => {
    const r = new ClickRate(T0);
    r.note(T0, false);
    r.note(T0 + 10 * MIN, true);
    let c = r.read(T0 + 10 * MIN, 11);
    expect(c.humans[0]).toBe(1);
    expect(c.bots[10]).toBe(1);
    expect(c.humans.slice(1).every((n) => n === 0)).toBe(true);
    // One full ring later the click at T0 has left (its slot now holds the new minute).
    r.note(T0 + MINUTES_KEPT * MIN, false);
    c = r.read(T0 + MINUTES_KEPT * MIN);
    expect(c.humans.reduce((a, b) => a + b, 0)).toBe(1);
    expect(c.bots.reduce((a, b) => a + b, 0)).toBe(1); // the bot at +10 min is 350 minutes old: still inside
    // ...and a click older than the ring is ignored.
    r.note(T0 - MIN, false);
    expect(r.read(T0 + MINUTES_KEPT * MIN).humans.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
