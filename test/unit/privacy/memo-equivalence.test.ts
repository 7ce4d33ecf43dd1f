/**
 * The hot-path memos (query, referrer and session-id memos, the IPv4 fast path of truncateIp,
 * the address parsed once for the scanner ranges and the truncation)
 * must not change a single stored value: anonymizeClick is compared with the straightforward
 * normalizer it replaced (kept below as the oracle, built only from the unmemoized pieces), on
 * random and repeated inputs, under several policies.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { anonymizeClick, deriveClickSource, extractQuery, policyFromConfig, reduceUserAgent, sessionId, truncateIp, type PrivacyPolicy, type RawClick } from '../../../src/privacy/index.js';
import { isBot } from '../../../src/privacy/bot.js';
import { parseHttpReferrer, reduceParsedReferrer } from '../../../src/privacy/referrer.js';
import { scannerOfReferrerHost } from '../../../src/privacy/scanner.js';
import { isAnonymousRequest } from '../../../src/privacy/tracking-signals.js';
import type { ClickMetadata, ClickRecord } from '../../../src/types.js';
import { dottedQuadToUint, truncateV4 } from '../../../src/privacy/ip.js';
import { classifyScanner } from '../../../src/privacy/scanner.js';
import { isoDay } from '../../../src/privacy/timestamp.js';

/** The normalizer as it was before the memos: every step computed from scratch. */
function oracle(raw: RawClick, policy: PrivacyPolicy, ctx: { clickId: string; sessionKey: Buffer }): ClickRecord | null {
  const anonymous = isAnonymousRequest(raw.dnt, raw.gpc, policy);
  if (anonymous && policy.dntMode === 'drop') return null;
  const query = extractQuery(raw.rawQuery);
  const referrer = parseHttpReferrer(raw.referer);
  const clickSource = deriveClickSource(query.src, referrer?.hostname ?? null, policy.dashboardHost);
  const metadata: ClickMetadata = { ...query.utm };
  if (isBot(raw.userAgent)) metadata.bot = true;
  const ua = raw.userAgent?.toLowerCase() ?? '';
  const scanner =
    policy.scanners.ranges.match(raw.clientIp) ??
    scannerOfReferrerHost(referrer?.hostname ?? null, policy.scanners) ??
    (ua === '' ? null : (policy.scanners.userAgentTokens.find(([token]) => ua.includes(token))?.[1] ?? null));
  if (scanner !== null) metadata.scanner = scanner;
  const clickedAt = raw.receivedAt.toISOString();
  if (anonymous) {
    return { click_id: ctx.clickId, tracking_id: raw.trackingId, clicked_at: clickedAt, ip_address: null, user_agent: null, referrer_url: null, session_id: null, click_source: clickSource, metadata, anonymous: true };
  }
  const ip = referenceTruncate(raw.clientIp, policy.ipv4Prefix, policy.ipv6Prefix);
  const reducedUa = reduceUserAgent(raw.userAgent, 'reduced');
  const userAgent = policy.userAgent === 'reduced' ? reducedUa : reduceUserAgent(raw.userAgent, policy.userAgent);
  const mac = createHmac('sha256', ctx.sessionKey).update(`${clickedAt.slice(0, 10)}\0${ip}\0${reducedUa ?? ''}`).digest('hex');
  return {
    click_id: ctx.clickId,
    tracking_id: raw.trackingId,
    clicked_at: clickedAt,
    ip_address: ip,
    user_agent: userAgent,
    referrer_url: reduceParsedReferrer(referrer, policy.referrer),
    session_id: ip === null ? null : `s_${mac.slice(0, 32)}`,
    click_source: clickSource,
    metadata,
    anonymous: false,
  };
}

/** truncateIp as it was: parse with ipaddr.js (dotted quads only), zero the bits, print. */
function referenceTruncate(address: string, v4: number, v6: number): string | null {
  if (!address.includes(':')) {
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(address)) return null;
    const octets = ipaddr.IPv4.parse(address).octets.map((o, i) => o & ((0xff << (8 - Math.min(Math.max(v4 - i * 8, 0), 8))) & 0xff));
    return new ipaddr.IPv4(octets).toString();
  }
  return truncateIp(address, v4, v6); // IPv6 takes the unchanged path
}

const base = { ipv4_prefix: 24, ipv6_prefix: 48, honor_dnt: true, honor_gpc: true, dnt_mode: 'count', referrer: 'origin', user_agent: 'reduced' };
const POLICIES = [
  policyFromConfig(base, 'https://jobs.example.com'),
  policyFromConfig({ ...base, referrer: 'full', user_agent: 'full', ipv4_prefix: 16 }, ''),
  policyFromConfig({ ...base, referrer: 'none', user_agent: 'none', ipv4_prefix: 0, ipv6_prefix: 0 }, 'https://mail.google.com'),
  policyFromConfig({ ...base, dnt_mode: 'drop', ipv4_prefix: 32, ipv6_prefix: 128 }, 'https://jobs.example.com'),
];

// Small pools, so values repeat and the memos are hit as well as filled.
const queries = ['', '?', 'utm_source=news&utm_medium=email', 'src=linkedin', 'src=direct&utm_campaign=x', 'src=DIRECT', 'src=bogus&utm_term=a%0Ab', 'utm_source=&utm_source=second', 'email=jane@example.com&utm_content=%F0%9F%98%80'];
const referers = [undefined, '', 'https://mail.google.com/mail/u/0/', 'https://www.linkedin.com/feed/', 'https://jobs.example.com/dash', 'http://evil-linkedin.com/', 'javascript:alert(1)', 'not a url', 'https://user:pw@example.org:8443/p?q=1#frag'];
const agents = [undefined, '', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.0'];
const signals = [undefined, '', '1', ' 1 ', '0'];
const KEYS = [randomBytes(32), randomBytes(32)];

const rawClick = fc.record({
  trackingId: fc.constantFrom('lt_a', 'lt_b'),
  clientIp: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('203.0.113.77', '::ffff:198.51.100.9', '010.0.0.1', 'junk', '')),
  userAgent: fc.constantFrom(...agents),
  referer: fc.constantFrom(...referers),
  dnt: fc.constantFrom(...signals),
  gpc: fc.constantFrom(...signals),
  rawQuery: fc.oneof(fc.constantFrom(...queries), fc.string()),
  receivedAt: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) }).map((t) => new Date(t)),
});

describe('the memoized normalizer', () => {
  it('stores exactly what the unmemoized one stored', () => {
    fc.assert(
      fc.property(rawClick, fc.constantFrom(...POLICIES), fc.constantFrom(...KEYS), (raw, policy, key) => {
        const ctx = { clickId: 'id', sessionKey: key };
        const want = oracle(raw, policy, ctx);
        expect(anonymizeClick(raw, policy, ctx)).toEqual(want);
        expect(anonymizeClick({ ...raw }, policy, ctx)).toEqual(want); // again, from the memos
      }),
      { numRuns: 3000 },
    );
  });

  it('hands out frozen metadata, one object per distinct query and bot flag', () => {
    const ctx = { clickId: 'id', sessionKey: KEYS[0]! };
    const at = new Date('2024-05-01T00:00:00Z');
    // A browser's user agent: a click without one is a bot.
    const one = { trackingId: 'lt_a', clientIp: '203.0.113.1', rawQuery: 'utm_source=a', receivedAt: at, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' };
    const a = anonymizeClick(one, POLICIES[0]!, ctx)!;
    const b = anonymizeClick({ ...one, clientIp: '198.51.100.1' }, POLICIES[0]!, ctx)!;
    expect(Object.isFrozen(a.metadata)).toBe(true);
    expect(b.metadata).toBe(a.metadata);
    const bot = anonymizeClick({ ...one, userAgent: agents[3] }, POLICIES[0]!, ctx)!;
    expect(bot.metadata).toEqual({ utm_source: 'a', bot: true });
    expect(a.metadata).toEqual({ utm_source: 'a' }); // the bot flag did not leak into the shared object
  });

  it('an explicit src=direct still wins over a referrer', () => {
    const ctx = { clickId: 'id', sessionKey: KEYS[0]! };
    const click = { trackingId: 'lt_a', clientIp: '203.0.113.1', rawQuery: 'src=direct', referer: 'https://www.linkedin.com/', receivedAt: new Date() };
    expect(anonymizeClick(click, POLICIES[0]!, ctx)!.click_source).toBe('direct');
  });
});

describe('truncateIp, IPv4 fast path', () => {
  it('gives what ipaddr.js gave, for every prefix', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.string()), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        expect(truncateIp(address, prefix, 48)).toBe(referenceTruncate(address, prefix, 48));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('sessionId memo', () => {
  it('remembers per key object and per input, and never mixes keys', () => {
    const [k1, k2] = KEYS as [Buffer, Buffer];
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      // more distinct inputs than the memo holds, so it is cleared on the way
      const ip = `10.0.${i % 251}.0`;
      const expected = (k: Buffer) => `s_${createHmac('sha256', k).update(`2024-05-01\0${ip}\0Chrome 120; Windows`).digest('hex').slice(0, 32)}`;
      expect(sessionId(k1, ip, 'Chrome 120; Windows', '2024-05-01')).toBe(expected(k1));
      expect(sessionId(k2, ip, 'Chrome 120; Windows', '2024-05-01')).toBe(expected(k2));
      ids.add(sessionId(k1, ip, 'Chrome 120; Windows', '2024-05-01'));
    }
    expect(ids.size).toBe(251);
  });
});

describe('sessionId memo, past its bound', () => {
  it('answers the HMAC of the joined input before and after it is cleared, across days, networks and agents', () => {
    const key = randomBytes(32);
    for (let i = 0; i < 9_000; i++) {
      const day = `2024-05-0${1 + (i % 3)}`;
      const ip = `10.${i % 7}.${i % 997}.0`;
      const ua = `Chrome ${i % 5}; Windows`;
      const want = `s_${createHmac('sha256', key).update(`${day}\0${ip}\0${ua}`).digest('hex').slice(0, 32)}`;
      expect(sessionId(key, ip, ua, day)).toBe(want);
    }
  });
});

describe('the click path parses its address once', () => {
  it('dottedQuadToUint accepts exactly the dotted quads truncateIp stores, with their value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.string(), fc.constantFrom('010.0.0.1', '1.2.3.04', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.', '.1.2.3', '1..2.3')), (address) => {
        const n = dottedQuadToUint(address);
        if (referenceTruncate(address, 32, 128) === null) expect(n).toBe(-1);
        else expect(n).toBe(ipaddr.IPv4.parse(address).toByteArray().reduce((v, o) => v * 256 + o, 0));
      }),
      { numRuns: 5000 },
    );
  });

  it('truncateV4 of that number is truncateIp of the text, for every prefix', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        expect(truncateV4(dottedQuadToUint(address), prefix)).toBe(referenceTruncate(address, prefix, 48));
      }),
      { numRuns: 5000 },
    );
  });

  it('the scanner ranges answer the same for the number as for the text', () => {
    const rules = POLICIES[0]!.scanners;
    const inRanges = ['40.92.0.1', '40.107.255.254', '52.100.0.7', '205.139.110.1', '148.163.128.3', '64.235.144.1'];
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.constantFrom(...inRanges)), (address) => {
        expect(classifyScanner(address, null, undefined, rules, dottedQuadToUint(address))).toBe(rules.ranges.match(address));
        expect(classifyScanner(address, null, undefined, rules)).toBe(rules.ranges.match(address));
      }),
      { numRuns: 3000 },
    );
    expect(inRanges.some((a) => rules.ranges.match(a) !== null)).toBe(true); // the samples do hit ranges
  });

  it('isoDay is toISOString’s day, one string object per second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (t) => {
        const date = new Date(t);
        expect(isoDay(date)).toBe(date.toISOString().slice(0, 10));
      }),
      { numRuns: 3000 },
    );
    const a = new Date('2024-05-01T23:59:59.001Z');
    expect(isoDay(a)).toBe(isoDay(new Date('2024-05-01T23:59:59.999Z')));
    expect(isoDay(new Date('2024-05-02T00:00:00.000Z'))).toBe('2024-05-02');
  });
});
