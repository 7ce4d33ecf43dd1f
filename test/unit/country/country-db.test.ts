/**
 * privacy.country on real MMDB files: the bundled package (its licence as its own files state
 * it, its age), and operator databases built for the test with test/support/mmdb-writer.ts in
 * both record shapes in use (MaxMind/DB-IP and ip-location-db), IPv4-only and IPv6 — checked at
 * open with coded errors for a file of the wrong type or an unreadable one. A two-letter code
 * or nothing, from the full address before truncation.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countryDbAge, DEFAULT_COUNTRY_DB_MAX_AGE_DAYS } from '../../../src/country/country-age.js';
import { COUNTRY_DB_PACKAGE, openCountryDb } from '../../../src/country/country-db.js';
import { BUNDLED_COUNTRY_DB_LICENCE, countryDbLicence } from '../../../src/country/country-licence.js';
import { ClickrelayError } from '../../../src/errors.js';
import { anonymizeClick, policyFromConfig } from '../../../src/privacy/index.js';
import { writeMmdb, type MmdbSpec } from '../../support/mmdb-writer.js';

const DEFAULTS = { ipv4_prefix: 24, ipv6_prefix: 48, honor_dnt: true, honor_gpc: true, dnt_mode: 'count', referrer: 'origin', user_agent: 'reduced' };
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const db = openCountryDb();
const tmp = mkdtempSync(join(tmpdir(), 'cr-country-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A country database file written for the test. */
function mmdbFile(name: string, spec: Partial<MmdbSpec> = {}): string {
  const file = join(tmp, name);
  writeFileSync(file, writeMmdb({ databaseType: 'GeoLite2-Country', ipVersion: 6, builtAt: new Date('2026-11-30T00:00:00Z'), networks: [['81.2.69.0/24', { country: { iso_code: 'GB', names: { en: 'United Kingdom' } } }], ['2a02:c7c::/32', { country: { iso_code: 'GB' } }]], ...spec }));
  return file;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClickrelayError);
    return (err as ClickrelayError).code;
  }
  return undefined;
};

describe('bundled country database', () => {
  it('answers an ISO 3166-1 alpha-2 code for public addresses, IPv4 and IPv6, and null for private ones', () => {
    expect(db.lookup('8.8.8.8')).toBe('US');
    expect(db.lookup('2001:4860:4860::8888')).toBe('US');
    expect(db.lookup('81.2.69.160')).toBe('GB');
    expect(db.lookup('127.0.0.1')).toBeNull();
    expect(db.lookup('10.1.2.3')).toBeNull();
    expect(db.lookup('not an address')).toBeNull();
    expect(db.builtAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(db).toMatchObject({ bundled: true, databaseType: 'country ipvAll', ipVersion: 6 });
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

  it("states the licence the package's own README and NRO_LICENSE give (CC BY 4.0 by the NRO, attribution), not its package.json's CC0", () => {
    const dir = dirname(createRequire(import.meta.url).resolve(`${COUNTRY_DB_PACKAGE}/package.json`));
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const nro = readFileSync(join(dir, 'NRO_LICENSE'), 'utf8');
    expect(readme).toMatch(/\| Country \| \[CC BY 4\.0\]\(https:\/\/creativecommons\.org\/licenses\/by\/4\.0\/\) by \[NRO\]/);
    expect(nro).toMatch(/Creative Commons Attribution 4\.0 International License/);
    expect(nro).toMatch(/provided you give attribution to nro\.net for the data/);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).license).toBe('CC0-1.0'); // what the issue found misleading
    expect(countryDbLicence(db.databaseType, db.bundled)).toBe(BUNDLED_COUNTRY_DB_LICENCE);
    expect(BUNDLED_COUNTRY_DB_LICENCE).toMatchObject({ licence: 'CC BY 4.0', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' });
    expect(BUNDLED_COUNTRY_DB_LICENCE.attribution).toMatch(/Number Resource Organization \(https:\/\/www\.nro\.net\).*CC BY 4\.0/);
    expect(BUNDLED_COUNTRY_DB_LICENCE.obligations).toContain('provided you give attribution to nro.net for the data');
  });

  it('shows its age like any other, and warns once it is older than 60 days, naming what to do', () => {
    const builtAt = new Date(db.builtAt);
    const fresh = countryDbAge({ file: db.file, builtAt }, new Date(builtAt.getTime() + DEFAULT_COUNTRY_DB_MAX_AGE_DAYS * 86_400_000), { bundled: true });
    expect(fresh).toEqual({ days: 60, stale: false, warning: null });
    const old = countryDbAge({ file: db.file, builtAt }, new Date(builtAt.getTime() + 61 * 86_400_000), { bundled: true });
    expect(old).toMatchObject({ days: 61, stale: true, warning: { code: 'CR_ERR_COUNTRY_DB_STALE' } });
    expect(old.warning!.message).toContain(`built ${db.builtAt.slice(0, 10)}, 61 days ago (more than 60)`);
    expect(old.warning!.message).toMatch(/no longer updated.*set privacy\.country_db/);
  });
});

describe("an operator's country database (privacy.country_db)", () => {
  it('reads MaxMind/DB-IP records ({ country: { iso_code } }) from a GeoLite2-Country file, IPv4 and IPv6', () => {
    const own = openCountryDb(mmdbFile('geolite2.mmdb'));
    expect(own).toMatchObject({ bundled: false, databaseType: 'GeoLite2-Country', ipVersion: 6, builtAt: '2026-11-30T00:00:00.000Z' });
    expect(own.lookup('81.2.69.160')).toBe('GB');
    expect(own.lookup('2a02:c7c:1::1')).toBe('GB');
    expect(own.lookup('8.8.8.8')).toBeNull(); // not in this small file: no country, not the bundled one's
    const on = policyFromConfig({ ...DEFAULTS, country: 'country' }, '', { countryOf: own.lookup });
    const raw = { trackingId: 'lt_a', clientIp: '81.2.69.160', userAgent: CHROME, rawQuery: '', receivedAt: new Date() };
    expect(anonymizeClick(raw, on, { clickId: 'c', sessionKey: Buffer.alloc(32) })!.metadata).toEqual({ country: 'GB' });
    expect(countryDbLicence(own.databaseType, false)?.attribution).toBe('This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.');
  });

  it('reads ip-location-db records ({ country_code }) and an IPv4-only DB-IP file, which gives IPv6 clicks no country', () => {
    const v4 = openCountryDb(mmdbFile('dbip-v4.mmdb', { databaseType: 'DBIP-Country-Lite', ipVersion: 4, networks: [['81.2.69.0/24', { country_code: 'GB' }], ['81.0.0.0/8', { country_code: 'XX1' }]] }));
    expect(v4).toMatchObject({ databaseType: 'DBIP-Country-Lite', ipVersion: 4 });
    expect(v4.lookup('81.2.69.160')).toBe('GB');
    expect(v4.lookup('81.3.0.1')).toBeNull(); // not a two-letter code: never stored
    expect(v4.lookup('2a02:c7c:1::1')).toBeNull();
    expect(countryDbLicence(v4.databaseType, false)?.licence).toBe('CC BY 4.0');
    expect(countryDbLicence('country ipv4', false)).toBeNull(); // not recognised: no claim
  });

  it('refuses a file of the wrong type, an unreadable one and one without a build date, with coded errors', () => {
    expect(codeOf(() => openCountryDb(mmdbFile('city.mmdb', { databaseType: 'GeoLite2-City' })))).toBe('CR_ERR_COUNTRY_DB_TYPE');
    expect(codeOf(() => openCountryDb(mmdbFile('asn.mmdb', { databaseType: 'GeoLite2-ASN' })))).toBe('CR_ERR_COUNTRY_DB_TYPE');
    expect(codeOf(() => openCountryDb(mmdbFile('undated.mmdb', { builtAt: new Date(0) })))).toBe('CR_ERR_COUNTRY_DB_TYPE');
    expect(codeOf(() => openCountryDb(join(tmp, 'missing.mmdb')))).toBe('CR_ERR_COUNTRY_DB_UNREADABLE');
    const garbage = join(tmp, 'garbage.mmdb');
    writeFileSync(garbage, 'this is not a database\n'.repeat(100));
    expect(codeOf(() => openCountryDb(garbage))).toBe('CR_ERR_COUNTRY_DB_UNREADABLE');
    const good = readFileSync(mmdbFile('whole.mmdb'));
    const truncated = join(tmp, 'truncated.mmdb');
    writeFileSync(truncated, good.subarray(0, good.length - 40)); // the metadata cut off
    expect(codeOf(() => openCountryDb(truncated))).toBe('CR_ERR_COUNTRY_DB_UNREADABLE');
    const damaged = Buffer.from(good);
    damaged.fill(0xff, 0, 24); // search-tree records pointing past the data section
    writeFileSync(join(tmp, 'damaged.mmdb'), damaged);
    expect(codeOf(() => openCountryDb(join(tmp, 'damaged.mmdb')))).toBe('CR_ERR_COUNTRY_DB_UNREADABLE');
    const city = mmdbFile('city2.mmdb', { databaseType: 'GeoIP2-City' });
    expect(() => openCountryDb(city)).toThrow(`${city} is a "GeoIP2-City" database, not a country one`);
    expect(() => openCountryDb(city)).toThrow(expect.objectContaining({ isConfigError: true }));
  });

  it("warns with the operator's own file named once it is older than the configured age", () => {
    const own = openCountryDb(mmdbFile('aging.mmdb', { builtAt: new Date('2026-10-01T00:00:00Z') }));
    const age = countryDbAge({ file: own.file, builtAt: new Date(own.builtAt) }, new Date('2026-12-07T12:00:00Z'), { maxAgeDays: 30 });
    expect(age).toMatchObject({ days: 67, stale: true });
    expect(age.warning!.message).toContain(`replace ${own.file} with a current download`);
    expect(countryDbAge({ file: own.file, builtAt: new Date(own.builtAt) }, new Date('2026-11-20T00:00:00Z'))).toEqual({ days: 50, stale: false, warning: null });
  });
});
