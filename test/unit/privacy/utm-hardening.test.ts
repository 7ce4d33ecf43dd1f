/**
 * UTM values are the sender's free text: format characters go with control characters,
 * utm_term / utm_content can be dropped or hashed (privacy.utm_term_content), and a value that
 * looks like an e-mail address or a phone number is never stored, whatever the setting (#25).
 */
import { describe, expect, it } from 'vitest';
import { anonymizeClick, extractQuery, HASHED_UTM_VALUE, policyFromConfig, type RawClick } from '../../../src/privacy/index.js';
import { hashUtmValue } from '../../../src/privacy/anonymize.js';
import { CHROME, PRIVACY_DEFAULTS as DEFAULTS } from '../../support/privacy.js';
const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const raw = (rawQuery: string): RawClick => ({ trackingId: 'lt_a', clientIp: '203.0.113.9', userAgent: CHROME, rawQuery, receivedAt: new Date('2026-12-01T10:00:00Z') });
const QUERY = 'utm_source=mail&utm_term=jane.doe%40example.com&utm_content=%2B44%2020%207946%200000';
/** Free text a sender may put in a link that is not personal data. */
const FREE_TEXT = 'utm_source=mail&utm_term=senior%20developer&utm_content=spring-banner-2';

describe('UTM hardening', () => {
  it('strips Unicode format characters (Cf) as well as control characters', () => {
    expect(extractQuery('utm_campaign=abc%E2%80%AEdef').utm.utm_campaign).toBe('abcdef'); // U+202E RIGHT-TO-LEFT OVERRIDE
    expect(extractQuery('utm_campaign=a%E2%80%8Bb%EF%BB%BFc%C2%ADd').utm.utm_campaign).toBe('abcd'); // ZWSP, BOM, soft hyphen
    expect(extractQuery('utm_campaign=%E2%80%8F%E2%80%8F').utm.utm_campaign).toBeUndefined(); // nothing left: absent
    expect(extractQuery('utm_campaign=caf%C3%A9%20%F0%9F%9A%80').utm.utm_campaign).toBe('café 🚀'); // letters and emoji stay
  });

  it('keeps utm_term / utm_content as sent by default', () => {
    const c = anonymizeClick(raw(FREE_TEXT), policyFromConfig(DEFAULTS, ''), { clickId: 'c', sessionKey: KEY_A })!;
    expect(c.metadata).toEqual({ utm_source: 'mail', utm_term: 'senior developer', utm_content: 'spring-banner-2' });
  });

  it('stores a marker instead of an e-mail address or a phone number in any UTM value, whatever privacy.utm_term_content says', () => {
    const q = `${QUERY}&utm_campaign=call%20(020)%207946-0958&utm_medium=j.doe%2Bjobs%40mail.example.org`;
    for (const mode of ['keep', 'hash'] as const) {
      const c = anonymizeClick(raw(q), policyFromConfig({ ...DEFAULTS, utm_term_content: mode }, ''), { clickId: 'c', sessionKey: KEY_A })!;
      expect(c.metadata).toEqual({ utm_source: 'mail', utm_medium: '[redacted:email]', utm_campaign: '[redacted:phone]', utm_term: '[redacted:email]', utm_content: '[redacted:phone]' });
    }
    const dropped = anonymizeClick(raw(q), policyFromConfig({ ...DEFAULTS, utm_term_content: 'drop' }, ''), { clickId: 'c', sessionKey: KEY_A })!;
    expect(dropped.metadata).toEqual({ utm_source: 'mail', utm_medium: '[redacted:email]', utm_campaign: '[redacted:phone]' });
    // An address cut by the 200-character cap is still an address.
    expect(extractQuery(`utm_term=${'x'.repeat(190)}%20jane.doe%40example.com`).utm.utm_term).toBe('[redacted:email]');
    // Campaign ids, dates and bare numbers stay.
    expect(extractQuery('utm_campaign=2026-12-01&utm_content=123456789012&utm_term=q4%2Fpromo').utm).toEqual({ utm_campaign: '2026-12-01', utm_content: '123456789012', utm_term: 'q4/promo' });
  });

  it('drops them with privacy.utm_term_content = "drop"', () => {
    const c = anonymizeClick(raw(QUERY), policyFromConfig({ ...DEFAULTS, utm_term_content: 'drop' }, ''), { clickId: 'c', sessionKey: KEY_A })!;
    expect(c.metadata).toEqual({ utm_source: 'mail' });
  });

  it('hashes them under the day key with "hash": equal within a day, different across days, never the value', () => {
    const p = policyFromConfig({ ...DEFAULTS, utm_term_content: 'hash' }, '');
    const a1 = anonymizeClick(raw(FREE_TEXT), p, { clickId: 'c', sessionKey: KEY_A })!.metadata;
    const a2 = anonymizeClick(raw(FREE_TEXT), p, { clickId: 'd', sessionKey: KEY_A })!.metadata;
    const b = anonymizeClick(raw(FREE_TEXT), p, { clickId: 'e', sessionKey: KEY_B })!.metadata;
    expect(a1.utm_source).toBe('mail');
    expect(a1.utm_term).toMatch(HASHED_UTM_VALUE);
    expect(a1.utm_content).toMatch(HASHED_UTM_VALUE);
    expect(a1.utm_term).toBe(hashUtmValue(KEY_A, 'senior developer'));
    expect(a2).toBe(a1); // the same frozen object: the outbox reuses its JSON
    expect(b.utm_term).not.toBe(a1.utm_term);
    expect(JSON.stringify([a1, b])).not.toMatch(/senior|banner/);
  });
});
