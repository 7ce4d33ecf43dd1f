/**
 * metadata.scanner and the bot flag from real-world samples: the gateways' published ranges
 * (every range of every region, from the saved publications), the user agent Safe Links is
 * reported to send, gateway referrers (evidence only beside an address or user agent), an
 * empty user agent. The CIDR matcher is checked against ipaddr.js's own match on random
 * ranges and addresses.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { anonymizeClick, compileScannerRules, policyFromConfig, type RawClick } from '../../../src/privacy/index.js';
import { isBot } from '../../../src/privacy/bot.js';
import { compileCidrMatcher } from '../../../src/privacy/cidr-matcher.js';
import { BUILTIN_SCANNERS, SCANNER_RANGES, SCANNER_REFERRER_HOSTS, SCANNER_REGIONS } from '../../../src/privacy/scanner-data.js';
import { classifyScanner, classifyScannerVerdict, scannerOfReferrerHost } from '../../../src/privacy/scanner.js';

/** As quoted in public bug reports about Safe Links "clicking" every link: browser-shaped, stale. */
const SAFE_LINKS_UA = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/57.0.2987.133 Safari/537.36';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const rules = compileScannerRules();

const DEFAULTS = { ipv4_prefix: 24, ipv6_prefix: 48, honor_dnt: true, honor_gpc: true, dnt_mode: 'count', referrer: 'origin', user_agent: 'reduced' };
const POLICY = policyFromConfig(DEFAULTS, '');
const CTX = { clickId: 'c', sessionKey: Buffer.alloc(32, 3) };
const raw = (over: Partial<RawClick>): RawClick => ({ trackingId: 'lt_a', clientIp: '203.0.113.9', userAgent: CHROME, rawQuery: '', receivedAt: new Date('2026-12-01T10:00:00Z'), ...over });

describe('scanner classification', () => {
  it('names the gateway from its published egress ranges, first and last address included', () => {
    expect(classifyScanner('40.107.3.4', null, SAFE_LINKS_UA, rules)).toBe('safelinks');
    expect(classifyScanner('40.92.0.0', null, SAFE_LINKS_UA, rules)).toBe('safelinks');
    expect(classifyScanner('40.93.255.255', null, SAFE_LINKS_UA, rules)).toBe('safelinks'); // 40.92.0.0/15
    expect(classifyScanner('40.94.0.0', null, SAFE_LINKS_UA, rules)).toBeNull();
    expect(classifyScanner('52.103.1.1', null, CHROME, rules)).toBe('safelinks'); // 52.100.0.0/14
    expect(classifyScanner('104.47.127.255', null, CHROME, rules)).toBe('safelinks');
    expect(classifyScanner('104.47.128.0', null, CHROME, rules)).toBeNull(); // 104.47.0.0/17 ends before
    expect(classifyScanner('2a01:111:f403:c000::17', null, CHROME, rules)).toBe('safelinks');
    expect(classifyScanner('205.139.110.40', null, CHROME, rules)).toBe('mimecast');
    expect(classifyScanner('148.163.150.1', null, CHROME, rules)).toBe('proofpoint');
    expect(classifyScanner('209.222.82.9', null, CHROME, rules)).toBe('barracuda');
  });

  it('the Safe Links user agent alone, from a home address, is a person to isbot and to the ranges', () => {
    expect(isBot(SAFE_LINKS_UA)).toBe(false); // why the address ranges are needed at all
    expect(classifyScanner('81.2.69.160', null, SAFE_LINKS_UA, rules)).toBeNull();
    const stored = anonymizeClick(raw({ clientIp: '40.107.3.4', userAgent: SAFE_LINKS_UA }), POLICY, CTX)!;
    expect(stored.metadata).toEqual({ scanner: 'safelinks' });
    expect(stored.ip_address).toBe('40.107.3.0'); // matched on the full address, stored truncated
    expect(anonymizeClick(raw({ clientIp: '81.2.69.160', userAgent: SAFE_LINKS_UA }), POLICY, CTX)!.metadata).toEqual({});
  });

  it('knows the sandbox and rewriting hosts by label, not by substring', () => {
    expect(scannerOfReferrerHost('nam12.safelinks.protection.outlook.com', rules)).toBe('safelinks');
    expect(scannerOfReferrerHost('protect-eu.mimecast.com', rules)).toBe('mimecast');
    expect(scannerOfReferrerHost('url.uk.m.mimecastprotect.com', rules)).toBe('mimecast');
    expect(scannerOfReferrerHost('urldefense.com', rules)).toBe('proofpoint');
    expect(scannerOfReferrerHost('URLDefense.Proofpoint.com.', rules)).toBe('proofpoint');
    expect(scannerOfReferrerHost('linkprotect.cudasvc.com', rules)).toBe('barracuda');
    expect(scannerOfReferrerHost('evil-urldefense.com', rules)).toBeNull();
    expect(scannerOfReferrerHost('urldefense.com.evil.io', rules)).toBeNull();
    expect(scannerOfReferrerHost('outlook.office.com', rules)).toBeNull(); // webmail is a person reading mail
    // A gateway's referrer alone is a person continuing from its page (issue #24): see below.
    const ctx = { ...CTX };
    const viaReferrer = anonymizeClick(raw({ referer: 'https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx&data=05' }), POLICY, ctx)!;
    expect(viaReferrer.metadata).toEqual({});
    expect(ctx.scannerEvidence).toBe('referrer_only');
    expect(viaReferrer.referrer_url).toBe('https://nam12.safelinks.protection.outlook.com'); // the referrer reduction is unchanged
  });

  it("reads the products' own user-agent tokens, case-insensitively", () => {
    expect(classifyScanner('203.0.113.9', null, 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))', rules)).toBe('barracuda');
    expect(classifyScanner('203.0.113.9', null, 'Mimecast-URL-Protect/1.0', rules)).toBe('mimecast');
    expect(classifyScanner('203.0.113.9', null, CHROME, rules)).toBeNull();
    expect(classifyScanner('203.0.113.9', null, undefined, rules)).toBeNull();
  });

  it('a request without a User-Agent is a bot, also when anonymous', () => {
    expect(anonymizeClick(raw({ userAgent: undefined }), POLICY, CTX)!.metadata).toEqual({ bot: true });
    expect(anonymizeClick(raw({ userAgent: '' }), POLICY, CTX)!.metadata).toEqual({ bot: true });
    expect(anonymizeClick(raw({ userAgent: '', dnt: '1', clientIp: '40.107.3.4' }), POLICY, CTX)!.metadata).toEqual({ bot: true, scanner: 'safelinks' });
  });

  it('takes operator entries from the config, and names the key of a bad one', () => {
    const p = policyFromConfig({ ...DEFAULTS, scanner_ranges: ['acmegw=198.18.0.0/15', 'acmegw=2001:db8:77::/48'], scanner_referrer_hosts: ['acmegw=scan.acme.example'], scanner_user_agents: ['acmegw=AcmeScan'] }, '');
    expect(classifyScanner('198.19.4.4', null, CHROME, p.scanners)).toBe('acmegw');
    expect(classifyScanner('2001:db8:77::1', null, CHROME, p.scanners)).toBe('acmegw');
    expect(scannerOfReferrerHost('eu.scan.acme.example', p.scanners)).toBe('acmegw');
    expect(classifyScanner('203.0.113.9', null, 'acmescan/2', p.scanners)).toBe('acmegw');
    expect(p.scanners.names).toContain('acmegw');
    const env = (k: string, v: string) => () => loadConfig({ env: { [`CLICKRELAY_PRIVACY_${k}`]: v }, cwd: '/' });
    expect(env('SCANNER_RANGES', 'acme=not-a-cidr')).toThrow(/privacy\.scanner_ranges = "acme=not-a-cidr"/);
    expect(env('SCANNER_RANGES', '198.18.0.0/15')).toThrow(/privacy\.scanner_ranges/);
    expect(env('SCANNER_USER_AGENTS', 'Bad Name=x')).toThrow(/privacy\.scanner_user_agents/);
    expect(env('SCANNER_REFERRER_HOSTS', 'acme=')).toThrow(/privacy\.scanner_referrer_hosts/);
  });
});

/** The first and last address of a range, as canonical text. */
function edges(cidr: string): [string, string] {
  const text = (a: ipaddr.IPv4 | ipaddr.IPv6) => (a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toRFC5952String() : a.toString());
  const family = ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
  return [text(family.networkAddressFromCIDR(cidr)), text(family.broadcastAddressFromCIDR(cidr))];
}

describe('the built-in ranges, as the vendors publish them (data/scanner-sources/)', () => {
  for (const name of BUILTIN_SCANNERS) {
    for (const [region, cidrs] of Object.entries(SCANNER_REGIONS[name])) {
      it(`${name}, region ${region}: a browser-shaped click from any of its ranges (first and last address) is ${name}`, () => {
        for (const cidr of cidrs) {
          for (const ip of edges(cidr)) {
            expect(classifyScannerVerdict(ip, null, CHROME, rules), `${ip} in ${cidr}`).toEqual({ scanner: name, evidence: 'address' });
            expect(anonymizeClick(raw({ clientIp: ip }), POLICY, CTX)!.metadata, ip).toEqual({ scanner: name });
          }
        }
      });
    }
  }

  it('covers every region the vendors publish, Mimecast Canada included', () => {
    expect(Object.keys(SCANNER_REGIONS.mimecast)).toEqual(['us', 'ca', 'eu', 'de', 'za', 'au']);
    expect(classifyScanner('170.10.145.7', null, CHROME, rules)).toBe('mimecast'); // ca._netblocks.mimecast.com
    expect(classifyScanner('216.145.216.200', null, CHROME, rules)).toBe('mimecast');
  });

  it('holds what the old list missed and no longer what the publications do not list', () => {
    expect(classifyScanner('52.238.78.88', null, SAFE_LINKS_UA, rules)).toBe('safelinks'); // endpoint set 9's single address
    expect(classifyScanner('52.238.78.89', null, SAFE_LINKS_UA, rules)).toBeNull();
    expect(classifyScanner('2a01:111:f400:1::5', null, CHROME, rules)).toBe('safelinks');
    expect(classifyScanner('185.183.29.1', null, CHROME, rules)).toBe('proofpoint');
    expect(classifyScanner('91.207.213.40', null, CHROME, rules)).toBe('proofpoint');
    expect(classifyScanner('208.86.201.3', null, CHROME, rules)).toBe('proofpoint');
    expect(classifyScanner('216.205.24.8', null, CHROME, rules)).toBe('mimecast');
    expect(classifyScanner('41.74.205.1', null, CHROME, rules)).toBe('mimecast');
    // Broader than published before: Mimecast's own records list less of these blocks.
    for (const ip of ['185.58.87.10', '207.211.30.10', '103.13.68.5', '51.163.159.1', '170.10.130.1']) expect(classifyScanner(ip, null, CHROME, rules), ip).toBeNull();
    // Barracuda's regional ranges could not be checked against a current publication: not shipped.
    for (const ip of ['64.235.150.1', '15.222.16.130', '3.24.133.200']) expect(classifyScanner(ip, null, CHROME, rules), ip).toBeNull();
  });
});

describe("a gateway's referrer alone is not a scanner", () => {
  const HOME = '81.2.69.160'; // a residential address, in no gateway's range
  const warningPages = BUILTIN_SCANNERS.flatMap((name) => SCANNER_REFERRER_HOSTS[name].map((host) => [name, `https://eu1.${host}/warning?url=https%3A%2F%2Fexample.org%2F`] as const));

  it('a person with a normal browser who continues from any gateway\'s warning page is a person, counted as "referrer_only"', () => {
    expect(warningPages.length).toBeGreaterThan(8);
    for (const [name, referer] of warningPages) {
      expect(scannerOfReferrerHost(new URL(referer).hostname, rules), referer).toBe(name);
      const ctx = { ...CTX };
      const stored = anonymizeClick(raw({ clientIp: HOME, referer }), POLICY, ctx)!;
      expect(stored.metadata, referer).toEqual({});
      expect(ctx.scannerEvidence, referer).toBe('referrer_only');
      expect(stored.ip_address).toBe('81.2.69.0');
      // Anonymous too: still a person, still counted.
      const anon = { ...CTX };
      expect(anonymizeClick(raw({ clientIp: HOME, referer, dnt: '1' }), POLICY, anon)!.metadata).toEqual({});
      expect(anon.scannerEvidence).toBe('referrer_only');
    }
  });

  it("counts when the address or the user agent also points to a scanner", () => {
    const ctx = { ...CTX };
    const referer = 'https://protect-eu.mimecast.com/s/abc';
    expect(anonymizeClick(raw({ clientIp: '195.130.217.9', referer }), POLICY, ctx)!.metadata).toEqual({ scanner: 'mimecast' });
    expect(ctx.scannerEvidence).toBe('address');
    expect(anonymizeClick(raw({ clientIp: HOME, referer, userAgent: 'Mimecast-URL-Protect/1.0' }), POLICY, ctx)!.metadata).toEqual({ bot: true, scanner: 'mimecast' });
    expect(ctx.scannerEvidence).toBe('user_agent');
    expect(anonymizeClick(raw({ clientIp: HOME }), POLICY, ctx)!.metadata).toEqual({});
    expect(ctx.scannerEvidence).toBeNull();
    expect(classifyScannerVerdict(HOME, 'mimecast', CHROME, rules)).toEqual({ scanner: null, evidence: 'referrer_only' });
    expect(classifyScannerVerdict(HOME, null, CHROME, rules)).toEqual({ scanner: null, evidence: null });
  });

  it("holds for the operator's own referrer hosts, which still corroborate its ranges and tokens", () => {
    const p = policyFromConfig({ ...DEFAULTS, scanner_ranges: ['acmegw=198.18.0.0/15'], scanner_referrer_hosts: ['acmegw=scan.acme.example'], scanner_user_agents: ['acmegw=AcmeScan'] }, '');
    const ctx = { ...CTX };
    const referer = 'https://eu.scan.acme.example/warn';
    expect(anonymizeClick(raw({ clientIp: HOME, referer }), p, ctx)!.metadata).toEqual({});
    expect(ctx.scannerEvidence).toBe('referrer_only');
    expect(anonymizeClick(raw({ clientIp: '198.18.4.4', referer }), p, ctx)!.metadata).toEqual({ scanner: 'acmegw' });
    expect(ctx.scannerEvidence).toBe('address');
    expect(anonymizeClick(raw({ clientIp: HOME, referer, userAgent: 'AcmeScan/3' }), p, ctx)!.metadata).toEqual({ bot: true, scanner: 'acmegw' });
    expect(ctx.scannerEvidence).toBe('user_agent');
  });
});

describe('CIDR matcher', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((o) => o.join('.'));
  const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((p) => new ipaddr.IPv6(p).toRFC5952String());

  it('answers what a linear ipaddr.js match over the same ranges answers, most specific range first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(v4, fc.integer({ min: 0, max: 32 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 30 }),
        fc.array(fc.tuple(v6, fc.integer({ min: 0, max: 128 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 10 }),
        fc.array(fc.oneof(v4, v6), { minLength: 1, maxLength: 40 }),
        (r4, r6, probes) => {
          const entries = [...r4, ...r6].map(([ip, bits, name]) => ({ name, cidr: `${ip}/${bits}` }));
          const m = compileCidrMatcher(entries);
          const parsed = entries.map((e) => ({ name: e.name, cidr: ipaddr.parseCIDR(e.cidr) }));
          // Probe inside the ranges too, not only at random.
          const inside = entries.map((e) => e.cidr.split('/')[0]!);
          for (const probe of [...probes, ...inside]) {
            const ip = ipaddr.parse(probe);
            let best: { name: string; bits: number } | null = null;
            for (const p of parsed) {
              if (p.cidr[0].kind() === ip.kind() && ip.match(p.cidr) && (best === null || p.cidr[1] > best.bits)) best = { name: p.name, bits: p.cidr[1] };
            }
            const got = m.match(probe);
            if (best === null) expect(got).toBeNull();
            else {
              // Equal ranges under two names: either name is the most specific.
              const tied = parsed.filter((p) => p.cidr[1] === best!.bits && p.cidr[0].kind() === ip.kind() && ip.match(p.cidr)).map((p) => p.name);
              expect(tied).toContain(got);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses what is not a dotted quad', () => {
    const m = compileCidrMatcher([{ name: 'x', cidr: '0.0.0.0/0' }]);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01234.1.1.1', 'a.b.c.d', '1.2.3.4 ']) expect(m.match(bad), bad).toBeNull();
    expect(m.match('0.0.0.0')).toBe('x');
    expect(m.match('::ffff:1.2.3.4')).toBe('x'); // mapped IPv6 is its IPv4 address
  });

  it('costs well under a microsecond per click (printed for the report)', () => {
    const all = Object.values(SCANNER_RANGES).flat().length;
    const addrs = Array.from({ length: 1000 }, (_, i) => `${(i * 37) % 223 + 1}.${(i * 11) % 256}.${i % 256}.${(i * 3) % 256}`);
    const time = (fn: (i: number) => unknown) => {
      for (let i = 0; i < 20_000; i++) fn(i); // warm-up for the JIT
      const t = performance.now();
      for (let i = 0; i < 200_000; i++) fn(i);
      return ((performance.now() - t) * 1000) / 200_000;
    };
    const ranges = time((i) => rules.ranges.match(addrs[i % 1000]!));
    const full = time((i) => classifyScanner(addrs[i % 1000]!, null, CHROME, rules));
    console.log(`scanner ranges (${all} shipped): ${ranges.toFixed(3)} µs per IPv4 match; whole classification (range + UA memo): ${full.toFixed(3)} µs`);
    // A loose bound that still fails if the matcher ever went linear with an allocation per range.
    expect(full).toBeLessThan(2);
  });
});
