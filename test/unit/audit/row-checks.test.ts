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
const clientIp = fc.oneof(ipv4, ipv6, ipv4.map((v4) => `::ffff:${v4}`), fc.string());
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
});

describe('row rules against the normalizer', () => {
  it('every click the normalizer makes passes every row rule under the same policy', () => {
    fc.assert(
      fc.property(section, clientIp, fc.option(userAgent), fc.option(referer), query, fc.option(fc.constant('1')), fc.option(fc.constant('1')), (sec, ip, ua, ref, q, dnt, gpc) => {
        const privacy = policyFromConfig(sec, 'https://jobs.example.com');
        const click = anonymizeClick(
          { trackingId: 'lt_x', clientIp: ip, userAgent: ua ?? undefined, referer: ref ?? undefined, rawQuery: q, dnt: dnt ?? undefined, gpc: gpc ?? undefined, receivedAt: new Date() },
          privacy,
          { clickId: '0190f0e0-0000-7000-8000-000000000000', sessionKey: Buffer.alloc(32, 3) },
        );
        if (!click) return;
        const p: RowPolicy = { privacy, retentionCutoff: '1970-01-01T00:00:00.000Z', shippedGraceStart: '1970-01-01T00:00:00.000Z', standalone: false };
        const found: string[] = [];
        checkRow(clickColumns(click), 'shipped', new Date().toISOString(), p, (rule, detail) => found.push(`${rule}: ${detail}`));
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
