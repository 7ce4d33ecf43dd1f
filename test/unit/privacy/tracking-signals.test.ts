import { describe, expect, it } from 'vitest';
import { needsEveryLine } from '../../../src/privacy/index.js';
import { isAnonymousRequest } from '../../../src/privacy/tracking-signals.js';

const BOTH = { honorDnt: true, honorGpc: true };

describe('isAnonymousRequest', () => {
  it('treats DNT: 1 and Sec-GPC: 1 as an opt-out, whitespace allowed', () => {
    expect(isAnonymousRequest('1', undefined, BOTH)).toBe(true);
    expect(isAnonymousRequest(undefined, '1', BOTH)).toBe(true);
    expect(isAnonymousRequest(' 1 ', '', BOTH)).toBe(true);
    expect(isAnonymousRequest('', '\t1', BOTH)).toBe(true);
  });

  it('treats anything but exactly "1" as no signal', () => {
    for (const value of [undefined, '', '0', 'true', 'yes', '11', '0,0', ',', '01', 'null', '1;1']) {
      expect(isAnonymousRequest(value, value, BOTH), String(value)).toBe(false);
    }
  });

  it('ignores a signal the policy does not honour', () => {
    expect(isAnonymousRequest('1', undefined, { honorDnt: false, honorGpc: true })).toBe(false);
    expect(isAnonymousRequest(undefined, '1', { honorDnt: true, honorGpc: false })).toBe(false);
    expect(isAnonymousRequest('1', '1', { honorDnt: false, honorGpc: false })).toBe(false);
    expect(isAnonymousRequest('1', '1', { honorDnt: false, honorGpc: true })).toBe(true);
  });
});

describe('every line of DNT / Sec-GPC (issue #12)', () => {
  it('honours the opt-out when any line or list element says "1"', () => {
    // What the redirect stage hands over after joining every line with ",".
    for (const value of ['0,1', '1,1', ' 0 , 1 ', ',1', '1,0', 'junk,1']) {
      expect(isAnonymousRequest(value, undefined, BOTH), value).toBe(true);
      expect(isAnonymousRequest(undefined, value, BOTH), value).toBe(true);
    }
  });

  it('walks the other lines only when the first is there and is not "1"', () => {
    expect(needsEveryLine('')).toBe(false); // absent (or empty: uWS cannot tell them apart)
    expect(needsEveryLine('1')).toBe(false);
    expect(needsEveryLine('0')).toBe(true);
    expect(needsEveryLine(' 1')).toBe(true);
  });
});
