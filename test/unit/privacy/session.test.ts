import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sessionId, utcDay } from '../../../src/privacy/index.js';

const KEY = randomBytes(32);

describe('sessionId', () => {
  it('is s_ plus 32 hex characters', () => {
    expect(sessionId(KEY, '203.0.113.0', 'Chrome 120; Windows', '2024-05-01')).toMatch(/^s_[0-9a-f]{32}$/);
  });

  it('is stable for the same network, browser and day', () => {
    const a = sessionId(KEY, '203.0.113.0', 'Chrome 120; Windows', '2024-05-01');
    expect(sessionId(Buffer.from(KEY), '203.0.113.0', 'Chrome 120; Windows', '2024-05-01')).toBe(a);
  });

  it('differs across days, keys, networks and browsers', () => {
    const a = sessionId(KEY, '203.0.113.0', 'Chrome 120; Windows', '2024-05-01');
    expect(sessionId(KEY, '203.0.113.0', 'Chrome 120; Windows', '2024-05-02')).not.toBe(a);
    expect(sessionId(randomBytes(32), '203.0.113.0', 'Chrome 120; Windows', '2024-05-01')).not.toBe(a);
    expect(sessionId(KEY, '203.0.114.0', 'Chrome 120; Windows', '2024-05-01')).not.toBe(a);
    expect(sessionId(KEY, '203.0.113.0', 'Firefox 121; Windows', '2024-05-01')).not.toBe(a);
  });

  it('cannot be made to collide by moving text between fields', () => {
    expect(sessionId(KEY, '1.2.3.4', 'ab', '2024-05-01')).not.toBe(sessionId(KEY, '1.2.3.4a', 'b', '2024-05-01'));
  });
});

describe('utcDay', () => {
  it('is the UTC calendar day, whatever the local time zone', () => {
    expect(utcDay(new Date('2024-05-01T23:59:59.999Z'))).toBe('2024-05-01');
    expect(utcDay(new Date('2024-05-02T01:30:00+02:00'))).toBe('2024-05-01');
  });
});
