/** click_id: UUIDv7 (RFC 9562), unique and time-ordered, made on the hot path. */
import { describe, expect, it } from 'vitest';
import { newClickId } from '../../../src/outbox/click-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('newClickId', () => {
  it('has the RFC 9562 version 7 layout, with the given time in its first 48 bits', () => {
    // Ahead of every id this worker made before (the generator never goes back in time, and
    // other test files may have run in the same process first).
    const now = Date.now() + 3_600_000;
    const id = newClickId(now);
    expect(id).toMatch(UUID_V7);
    expect(msOf(id)).toBeGreaterThanOrEqual(now);
    expect(msOf(id)).toBeLessThan(now + 5);
    expect(msOf(newClickId())).toBeGreaterThanOrEqual(Date.now() - 1000);
  });

  it('is unique and strictly increasing in text order, within a millisecond and across them', () => {
    const ids: string[] = [];
    for (let i = 0; i < 200_000; i++) ids.push(newClickId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) if (!(ids[i - 1]! < ids[i]!)) throw new Error(`not increasing at ${i}: ${ids[i - 1]} then ${ids[i]}`);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  });

  it('keeps increasing when the clock steps back, and moves on a millisecond when one is full', () => {
    const t = Date.now() + 7_200_000; // ahead of every id made so far (the first test's included)
    const ids = [newClickId(t)];
    for (let i = 0; i < 5000; i++) ids.push(newClickId(t)); // more than a 12-bit counter holds
    ids.push(newClickId(t - 5000)); // clock stepped back
    for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! < ids[i]!).toBe(true);
    expect(msOf(ids.at(-1)!)).toBeGreaterThan(t); // borrowed from the next millisecond(s)
    expect(msOf(ids.at(-1)!)).toBeLessThan(t + 5);
  });

  it('varies its random part between ids and between processes (62 random bits)', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => newClickId().slice(19)));
    expect(tails.size).toBe(1000);
  });
});
