/**
 * privacy.country on the real CC0 database from npm, read with the MaxMind DB reader: a
 * two-letter code or nothing, from the full address before truncation.
 */
import { describe, expect, it } from 'vitest';
import { anonymizeClick, policyFromConfig } from '../../../src/privacy/index.js';
import { openCountryDb } from '../../../src/country/country-db.js';

const DEFAULTS = { ipv4_prefix: 24, ipv6_prefix: 48, honor_dnt: true, honor_gpc: true, dnt_mode: 'count', referrer: 'origin', user_agent: 'reduced' };
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const db = openCountryDb();

describe('country database', () => {
  it('answers an ISO 3166-1 alpha-2 code for public addresses, IPv4 and IPv6, and null for private ones', () => {
    expect(db.lookup('8.8.8.8')).toBe('US');
    expect(db.lookup('2001:4860:4860::8888')).toBe('US');
    expect(db.lookup('81.2.69.160')).toBe('GB');
    expect(db.lookup('127.0.0.1')).toBeNull();
    expect(db.lookup('10.1.2.3')).toBeNull();
    expect(db.lookup('not an address')).toBeNull();
    expect(db.builtAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('is stored as metadata.country only when privacy.country = "country", and never for anonymous clicks', () => {
    const raw = { trackingId: 'lt_a', clientIp: '8.8.8.8', userAgent: CHROME, rawQuery: 'utm_source=x', receivedAt: new Date() };
    const ctx = { clickId: 'c', sessionKey: Buffer.alloc(32) };
    const on = policyFromConfig({ ...DEFAULTS, country: 'country' }, '', { countryOf: db.lookup });
    const off = policyFromConfig(DEFAULTS, '', { countryOf: db.lookup });
    const stored = anonymizeClick(raw, on, ctx)!;
    expect(stored.metadata).toEqual({ utm_source: 'x', country: 'US' });
    expect(stored.ip_address).toBe('8.8.8.0');
    expect(anonymizeClick(raw, off, ctx)!.metadata).toEqual({ utm_source: 'x' });
    expect(anonymizeClick({ ...raw, dnt: '1' }, on, ctx)!.metadata).toEqual({ utm_source: 'x' });
    expect(anonymizeClick({ ...raw, optedOut: true }, on, ctx)!.metadata).toEqual({ utm_source: 'x' });
  });
});
