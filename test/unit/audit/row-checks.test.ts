/**
 * "What we store" and "what we accept as stored" agree: whatever a request carries, the
 * click the normalizer makes from it passes every row rule under the same policy. A rule
 * stricter than the normalizer would fail healthy outboxes; a looser one would be caught
 * by the corruption tests in audit.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRow, type RowPolicy } from '../../../src/audit/row-checks.js';
import type { RowRule } from '../../../src/audit/rules.js';
import { clickColumns } from '../../../src/outbox/columns.js';
import { anonymizeClick, policyFromConfig } from '../../../src/privacy/index.js';
import { CHROME, FIREFOX, GOOGLEBOT, PRIVACY_DEFAULTS } from './helpers.js';

const RUNS = Number(process.env.CLICKRELAY_FUZZ_RUNS ?? 300);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((p) => p.map((x) => x.toString(16)).join(':'));
// Gateway addresses too, so the scanner name is part of what is checked.
const clientIp = fc.oneof(ipv4, ipv6, ipv4.map((v4) => `::ffff:${v4}`), fc.string(), fc.constantFrom('40.107.3.4', '205.139.110.9', '2a01:111:f403::1'));
const userAgent = fc.oneof(fc.constantFrom(CHROME, FIREFOX, GOOGLEBOT, 'curl/8.4.0', ''), fc.string({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 80 }));
const referer = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom('https://user:pw@mail.google.com/x#y', 'javascript:alert(1)', 'https://www.linkedin.com/feed/', ''),
  fc.string(),
);
const utmValue = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('=HYPERLINK("x")', ' a\tb ', '\u0000'));
const query = fc
  .array(fc.tuple(fc.constantFrom('utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'src', 'email', 'bot', '__proto__'), utmValue), { maxLength: 8 })
  .map((pairs) => new URLSearchParams(pairs).toString());
const section = fc.record({
  ipv4_prefix: fc.integer({ min: 0, max: 32 }),
  ipv6_prefix: fc.integer({ min: 0, max: 128 }),
  honor_dnt: fc.boolean(),
  honor_gpc: fc.boolean(),
  dnt_mode: fc.constant('count'),
  referrer: fc.constantFrom('origin', 'full', 'none'),
  user_agent: fc.constantFrom('reduced', 'full', 'none'),
  utm_term_content: fc.constantFrom('keep', 'drop', 'hash'),
  country: fc.constantFrom('off', 'country'),
});

describe('row rules against the normalizer', () => {
  it('every click the normalizer makes passes every row rule under the same policy', () => {
    fc.assert(
      fc.property(section, clientIp, fc.option(userAgent), fc.option(referer), query, fc.option(fc.constant('1')), fc.option(fc.constant('1')), (sec, ip, ua, ref, q, dnt, gpc) => {
        // A stand-in for the MMDB lookup (tested on the real file in country-db.test.ts).
        const privacy = policyFromConfig(sec, 'https://jobs.example.com', { countryOf: (a) => (a.startsWith('4') ? 'DE' : null) });
        const click = anonymizeClick(
          { trackingId: 'lt_x', clientIp: ip, userAgent: ua ?? undefined, referer: ref ?? undefined, rawQuery: q, dnt: dnt ?? undefined, gpc: gpc ?? undefined, receivedAt: new Date() },
          privacy,
          { clickId: '0190f0e0-0000-7000-8000-000000000000', sessionKey: Buffer.alloc(32, 3) },
        );
        if (!click) return;
        const p: RowPolicy = { privacy, retentionCutoff: '1970-01-01T00:00:00.000Z', shippedGraceStart: '1970-01-01T00:00:00.000Z', standalone: false };
        const found: string[] = [];
        // utm_personal_data is left out: it flags what a sender put in a link (a random string
        // may look like an address), not a value the normalizer could not have stored.
        checkRow(clickColumns(click), 'shipped', new Date().toISOString(), p, (rule, detail) => rule !== 'utm_personal_data' && found.push(`${rule}: ${detail}`));
        expect(found).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('reports the bot flag it parsed, for the counts', () => {
    const privacy = policyFromConfig(PRIVACY_DEFAULTS, '');
    const p: RowPolicy = { privacy, retentionCutoff: '', shippedGraceStart: '', standalone: false };
    const make = (ua: string) => anonymizeClick({ trackingId: 'lt_x', clientIp: '203.0.113.1', userAgent: ua, rawQuery: '', receivedAt: new Date() }, privacy, { clickId: 'c', sessionKey: Buffer.alloc(32) })!;
    const none = (_r: RowRule) => {
      throw new Error('no violation expected');
    };
    expect(checkRow(clickColumns(make(GOOGLEBOT)), 'pending', null, p, none).bot).toBe(true);
    expect(checkRow(clickColumns(make(CHROME)), 'pending', null, p, none).bot).toBe(false);
  });
});

describe('row rules for scanners, countries and UTM free text (issue #15)', () => {
  const base = policyFromConfig(PRIVACY_DEFAULTS, '');
  const rowPolicy = (privacy = base): RowPolicy => ({ privacy, retentionCutoff: '', shippedGraceStart: '', standalone: false });
  const click = anonymizeClick({ trackingId: 'lt_x', clientIp: '203.0.113.1', userAgent: CHROME, rawQuery: '', receivedAt: new Date() }, base, { clickId: 'c', sessionKey: Buffer.alloc(32) })!;
  const rulesFor = (metadata: string, privacy = base, anonymous = false): string[] => {
    const cols = [...clickColumns(click)] as unknown[];
    cols[8] = metadata;
    if (anonymous) [cols[3], cols[4], cols[5], cols[6], cols[9]] = [null, null, null, null, 1];
    const found: string[] = [];
    checkRow(cols as unknown as ReturnType<typeof clickColumns>, 'pending', null, rowPolicy(privacy), (rule) => found.push(rule));
    return found;
  };
  const withCountry = policyFromConfig({ ...PRIVACY_DEFAULTS, country: 'country' }, '');

  it('accepts a known scanner, counts it, and refuses an unknown name', () => {
    expect(rulesFor('{"scanner":"safelinks"}')).toEqual([]);
    const cols = [...clickColumns(click)] as unknown[];
    cols[8] = '{"bot":true,"scanner":"mimecast"}';
    expect(checkRow(cols as unknown as ReturnType<typeof clickColumns>, 'pending', null, rowPolicy(), () => undefined)).toEqual({ bot: true, kind: 'scanner', pendingPastRetention: false });
    expect(rulesFor('{"scanner":"Evil Corp"}')).toEqual(['metadata_values']);
    expect(rulesFor('{"scanner":true}')).toEqual(['metadata_values']);
  });

  it('fails a stored country where privacy.country = "off", and anything finer than a country anywhere', () => {
    expect(rulesFor('{"country":"DE"}', withCountry)).toEqual([]);
    expect(rulesFor('{"country":"DE"}')).toEqual(['country_off']);
    expect(rulesFor('{"country":"US-CA"}', withCountry)).toEqual(['geo_precision']); // ISO 3166-2: a subdivision
    expect(rulesFor('{"country":"de"}', withCountry)).toEqual(['geo_precision']);
    expect(rulesFor('{"city":"Berlin"}', withCountry)).toEqual(['geo_precision']);
    expect(rulesFor('{"latitude":52.5,"longitude":13.4}', withCountry)).toEqual(['geo_precision']);
    expect(rulesFor('{"country":"DE"}', withCountry, true)).toEqual(['anonymous_personal_data']);
  });

  it('flags UTM values that look like an e-mail address or a phone number, without copying them', () => {
    const found: string[] = [];
    const cols = [...clickColumns(click)] as unknown[];
    cols[8] = '{"utm_term":"jane.doe@example.com"}';
    checkRow(cols as unknown as ReturnType<typeof clickColumns>, 'pending', null, rowPolicy(), (rule, detail) => found.push(`${rule}: ${detail}`));
    expect(found).toEqual(['utm_personal_data: utm_term looks like an e-mail address']);
    expect(rulesFor('{"utm_content":"+44 20 7946 0000"}')).toEqual(['utm_personal_data']);
    expect(rulesFor('{"utm_content":"call (415) 555-0132"}')).toEqual(['utm_personal_data']);
    expect(rulesFor('{"utm_content":"+4915112345678"}')).toEqual(['utm_personal_data']);
    // Campaign ids, dates and versions stay quiet.
    for (const fine of ['spring_2026', '2026-03-01', '20260301', '1700000000', 'v1.2.3', 'q3-2025-emea', 'jobs@home']) expect(rulesFor(JSON.stringify({ utm_campaign: fine })), fine).toEqual([]);
  });

  it('agrees with the privacy stage: what it stores for any UTM value (markers included) never fails the audit, under every utm_term_content (#25)', () => {
    const piece = fc.oneof(fc.string(), fc.constantFrom('jane.doe@example.com', '+44 20 7946 0958', '(415) 555-0132', ' ', '@', '.', '+', '2026-12-01', 'x'.repeat(180)));
    const value = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(value, value, fc.constantFrom('keep', 'drop', 'hash') as fc.Arbitrary<'keep' | 'drop' | 'hash'>, (term, campaign, mode) => {
        const p = policyFromConfig({ ...PRIVACY_DEFAULTS, utm_term_content: mode }, '');
        const q = new URLSearchParams({ utm_term: term, utm_campaign: campaign }).toString();
        const stored = anonymizeClick({ trackingId: 'lt_a', clientIp: '203.0.113.9', userAgent: CHROME, rawQuery: q, receivedAt: new Date() }, p, { clickId: 'c', sessionKey: Buffer.alloc(32, 1) })!;
        expect(rulesFor(JSON.stringify(stored.metadata), p)).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // The shrunk counterexample of seed 1505302001: the 200-unit cap ended inside a run of spaces.
    const cut = anonymizeClick({ trackingId: 'lt_a', clientIp: '203.0.113.9', userAgent: CHROME, rawQuery: new URLSearchParams({ utm_term: `${'x'.repeat(180)}${' '.repeat(20)}!` }).toString(), receivedAt: new Date() }, policyFromConfig(PRIVACY_DEFAULTS, ''), { clickId: 'c', sessionKey: Buffer.alloc(32, 1) })!;
    expect(rulesFor(JSON.stringify(cut.metadata), policyFromConfig(PRIVACY_DEFAULTS, ''))).toEqual([]);
    for (const mode of ['keep', 'hash'] as const) {
      expect(rulesFor('{"utm_term":"[redacted:email]","utm_content":"[redacted:phone]"}', policyFromConfig({ ...PRIVACY_DEFAULTS, utm_term_content: mode }, ''))).toEqual([]);
    }
  });

  it('holds utm_term / utm_content to privacy.utm_term_content', () => {
    const drop = policyFromConfig({ ...PRIVACY_DEFAULTS, utm_term_content: 'drop' }, '');
    const hash = policyFromConfig({ ...PRIVACY_DEFAULTS, utm_term_content: 'hash' }, '');
    expect(rulesFor('{"utm_term":"shoes"}', drop)).toEqual(['utm_term_content']);
    expect(rulesFor('{"utm_source":"x"}', drop)).toEqual([]);
    expect(rulesFor('{"utm_term":"shoes"}', hash)).toEqual(['utm_term_content']);
    expect(rulesFor('{"utm_term":"h_0123456789abcdef"}', hash)).toEqual([]);
  });
});
