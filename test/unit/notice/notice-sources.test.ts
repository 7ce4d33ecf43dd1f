/**
 * The notice's words follow what is really in use: the country database (bundled: the NRO
 * attribution its own files ask for; an operator's DB-IP or GeoLite2 file: that publisher's
 * attribution, and never the bundled one's; an operator file not read: no licence claimed)
 * and the sink (NATS: the stream, the duplicate window and that consumers deduplicate on
 * click_id past it). A gateway's referrer alone never makes a scanner.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { openCountryDb } from '../../../src/country/country-db.js';
import { BUNDLED_COUNTRY_DB_LICENCE, countryDbLicence } from '../../../src/country/country-licence.js';
import { buildPrivacyNotice, renderPrivacyNoticeMarkdown } from '../../../src/notice/index.js';
import { writeMmdb } from '../../support/mmdb-writer.js';

const cwd = mkdtempSync(join(tmpdir(), 'cr-notice-sources-'));
const config = (env: Record<string, string>) => loadConfig({ env: { CLICKRELAY_PRIVACY_COUNTRY: 'country', ...env }, cwd });
const mmdb = (name: string, databaseType: string): string => {
  const file = join(cwd, name);
  writeFileSync(file, writeMmdb({ databaseType, ipVersion: 6, builtAt: new Date('2026-11-01T00:00:00Z'), networks: [['81.2.69.0/24', { country: { iso_code: 'GB' } }]] }));
  return file;
};

describe('the notice names the country database in use', () => {
  it('bundled: its NRO attribution, no other', () => {
    const n = buildPrivacyNotice(config({}), new Date(), openCountryDb());
    expect(n.country).toContain(BUNDLED_COUNTRY_DB_LICENCE.attribution);
    expect(n.country).toContain('installed with clickrelay');
    expect(n.country).not.toMatch(/CC0/);
    // Without the database at hand, an empty country_db still means the bundled one.
    expect(buildPrivacyNotice(config({})).country).toContain(BUNDLED_COUNTRY_DB_LICENCE.attribution);
  });

  it.each([
    ['DBIP-Country-Lite', 'IP Geolocation by DB-IP'],
    ['GeoLite2-Country', 'GeoLite2 data created by MaxMind'],
  ])('an operator %s file: its publisher\'s attribution, not the bundled one\'s', (type, words) => {
    const file = mmdb(`${type}.mmdb`, type);
    const c = config({ CLICKRELAY_PRIVACY_COUNTRY_DB: file });
    const n = buildPrivacyNotice(c, new Date(), openCountryDb(c.privacy.country_db));
    expect(n.country).toContain(words);
    expect(n.country).toContain(countryDbLicence(type, false)!.attribution);
    expect(n.country).toContain(file);
    expect(n.country).not.toContain(BUNDLED_COUNTRY_DB_LICENCE.attribution);
    expect(n.settings).toMatchObject({ 'privacy.country_db': file });
    expect(renderPrivacyNoticeMarkdown(n)).toContain(words);
  });

  it('an operator file of a type this build does not know, or not read: no licence claimed', () => {
    const file = mmdb('other.mmdb', 'Acme-Country');
    const c = config({ CLICKRELAY_PRIVACY_COUNTRY_DB: file });
    for (const n of [buildPrivacyNotice(c, new Date(), openCountryDb(file)), buildPrivacyNotice(c)]) {
      expect(n.country).toContain("Its publisher's terms apply.");
      expect(n.country).not.toContain(BUNDLED_COUNTRY_DB_LICENCE.attribution);
    }
  });
});

describe('the notice names the sink in use', () => {
  it('NATS: the stream, the subject, the duplicate window, and deduplication on click_id past it', () => {
    const n = buildPrivacyNotice(loadConfig({ env: { CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://n1.example:4222,nats://n2.example:4222' }, cwd }));
    expect(n.recipients.main_system_host).toBeNull();
    expect(n.recipients.text).toContain('NATS JetStream stream "CLICKRELAY" on nats://n1.example:4222,nats://n2.example:4222 (subject clickrelay.clicks)');
    expect(n.recipients.text).toMatch(/duplicate window once \(24 h when clickrelay creates the stream/);
    expect(n.recipients.text).toContain('past that window a consumer deduplicates on click_id');
    expect(n.settings).toMatchObject({ 'shipper.sink': 'nats', 'nats.stream': 'CLICKRELAY' });
  });

  it("scanners: a gateway's referrer alone does not make a click a scanner's", () => {
    expect(buildPrivacyNotice(config({})).scanners).toContain("A gateway's referrer alone does not make a click a scanner's");
  });
});
