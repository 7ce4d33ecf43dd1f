import { describe, expect, it } from 'vitest';
import { checkChange, SMALL_CHANGE, type ChangeFacts } from '../../../src/mirror/listing/change-guard.js';

const facts = (over: Partial<ChangeFacts> & { removed?: number; deactivated?: number }): ChangeFacts => ({
  before: { links: 1000, active: 1000 },
  diff: { added: 0, removed: over.removed ?? 0, changedUrl: 0, deactivated: over.deactivated ?? 0, reactivated: 0 },
  rejected: 0,
  active: 1000,
  samples: {},
  rejectedByReason: {},
  rejectedBefore: {},
  ...over,
});
const refused = (f: ChangeFacts, ratio = 0.1, force = false): boolean => {
  try {
    checkChange(f, { maxChangeRatio: ratio, force });
    return false;
  } catch (err) {
    expect((err as { code: string }).code).toBe('CR_ERR_MIRROR_REFUSED');
    return true;
  }
};

describe('the change guard (sync.max_change_ratio)', () => {
  it('refuses more than the ratio removed, deactivated or rejected, and lets the ratio itself through', () => {
    expect(refused(facts({ removed: 100 }))).toBe(false);
    expect(refused(facts({ removed: 101 }))).toBe(true);
    expect(refused(facts({ removed: 60, deactivated: 41 }))).toBe(true);
    expect(refused(facts({ rejected: 101, rejectedByReason: { bad_is_active: 101 } }))).toBe(true);
  });

  it('judges rows newly rejected since the last accepted sync, not the ones that stay invalid (#26)', () => {
    const steady = { rejected: 150, rejectedByReason: { bad_is_active: 110, bad_url: 40 } };
    expect(refused(facts({ ...steady, rejectedBefore: { bad_is_active: 110, bad_url: 40 } }))).toBe(false);
    expect(refused(facts({ ...steady, rejectedBefore: { bad_is_active: 100, bad_url: 0 } }))).toBe(false); // 10 + 40 new
    expect(refused(facts({ ...steady, rejectedBefore: { bad_is_active: 9 } }))).toBe(true); // 101 + 40 new
  });

  it('never refuses a first sync, under --force, or with the ratio at 1', () => {
    expect(refused(facts({ before: { links: 0, active: 0 }, rejected: 50, active: 0 }))).toBe(false);
    expect(refused(facts({ removed: 1000, active: 0 }), 0.1, true)).toBe(false);
    expect(refused(facts({ removed: 1000, active: 0 }), 1)).toBe(false);
  });

  it(`small mirrors: up to ${SMALL_CHANGE} changes pass, but a mirror with active links is never left with none`, () => {
    const small = { before: { links: 8, active: 8 } };
    expect(refused(facts({ ...small, removed: SMALL_CHANGE, active: 3 }))).toBe(false);
    expect(refused(facts({ ...small, removed: SMALL_CHANGE + 1, active: 2 }))).toBe(true);
    expect(refused(facts({ before: { links: 3, active: 3 }, removed: 3, active: 0 }))).toBe(true);
    expect(refused(facts({ before: { links: 3, active: 0 }, removed: 3, active: 0 }))).toBe(false);
  });
});
