import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrustedProxies, resolveClientIp, truncateIp } from '../../../src/privacy/index.js';

const NONE = parseTrustedProxies([]);
const PROXIES = parseTrustedProxies(['10.0.0.0/8', '192.168.1.1', 'fd00::/8']);
const canonical = (ip: string) => truncateIp(ip, 32, 128)!;

/** Any address not in 10/8, 192.168.1.1 or fd00::/8. */
const untrustedV4 = fc.ipV4().filter((ip) => !ip.startsWith('10.') && ip !== '192.168.1.1');
const untrustedV6 = fc.ipV6().filter((ip) => {
  const c = canonical(ip);
  return c.includes(':') ? !/^fd[0-9a-f]{2}:/.test(c) : !c.startsWith('10.') && c !== '192.168.1.1';
});
const trustedV4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`);
const headerText = fc.oneof(
  fc.string(),
  fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), trustedV4), { maxLength: 6 }).map((ips) => ips.join(', ')),
);

describe('resolveClientIp (properties)', () => {
  it('never believes forwarding headers from an untrusted peer', () => {
    fc.assert(
      fc.property(fc.oneof(untrustedV4, untrustedV6), headerText, headerText, (peer, xff, realIp) => {
        expect(resolveClientIp(peer, { xForwardedFor: xff, xRealIp: realIp }, PROXIES)).toBe(canonical(peer));
      }),
    );
  });

  it('never believes forwarding headers when no proxy is trusted', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), trustedV4), headerText, headerText, (peer, xff, realIp) => {
        expect(resolveClientIp(peer, { xForwardedFor: xff, xRealIp: realIp }, NONE)).toBe(canonical(peer));
      }),
    );
  });

  it('behind trusted proxies picks the rightmost untrusted X-Forwarded-For hop', () => {
    const hop = fc.oneof(untrustedV4, trustedV4);
    fc.assert(
      fc.property(trustedV4, fc.array(hop, { minLength: 1, maxLength: 8 }), (peer, hops) => {
        const expected = [...hops].reverse().find((ip) => !ip.startsWith('10.')) ?? hops[0]!;
        expect(resolveClientIp(peer, { xForwardedFor: hops.join(', ') }, PROXIES)).toBe(expected);
      }),
    );
  });
});

describe('resolveClientIp (examples)', () => {
  it('normalizes the socket address text uWebSockets.js gives', () => {
    expect(resolveClientIp('127.0.0.1', {}, NONE)).toBe('127.0.0.1');
    expect(resolveClientIp('0000:0000:0000:0000:0000:0000:0000:0001', {}, NONE)).toBe('::1');
    expect(resolveClientIp('::ffff:127.0.0.1', {}, NONE)).toBe('127.0.0.1');
    expect(resolveClientIp('0000:0000:0000:0000:0000:ffff:7f00:0001', {}, NONE)).toBe('127.0.0.1');
    expect(resolveClientIp('2001:0DB8:0000:0000:0000:0000:0000:0001', {}, PROXIES)).toBe('2001:db8::1');
  });

  it('treats a mapped socket address as the IPv4 proxy it is', () => {
    const xff = { xForwardedFor: '198.51.100.7' };
    expect(resolveClientIp('0000:0000:0000:0000:0000:ffff:0a00:0001', xff, PROXIES)).toBe('198.51.100.7');
    expect(resolveClientIp('::ffff:10.0.0.1', xff, PROXIES)).toBe('198.51.100.7');
  });

  it('stops at the first hop it does not operate, ignoring what the client wrote further left', () => {
    const xff = '1.1.1.1, 198.51.100.7, 10.0.0.2, 192.168.1.1';
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: xff }, PROXIES)).toBe('198.51.100.7');
  });

  it('falls back to the last trusted hop when an entry is malformed', () => {
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '198.51.100.7, garbage, 10.0.0.2' }, PROXIES)).toBe('10.0.0.2');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: 'unknown' }, PROXIES)).toBe('10.0.0.1');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '198.51.100.7,' }, PROXIES)).toBe('10.0.0.1');
  });

  it('uses the leftmost hop when every hop is trusted', () => {
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '10.9.9.9, 10.0.0.2' }, PROXIES)).toBe('10.9.9.9');
  });

  it('accepts hops written with a port or in brackets', () => {
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '198.51.100.7:5678' }, PROXIES)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '[2001:db8::7]:443' }, PROXIES)).toBe('2001:db8::7');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '[2001:db8::7]' }, PROXIES)).toBe('2001:db8::7');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '2001:db8::7' }, PROXIES)).toBe('2001:db8::7');
  });

  it('uses X-Real-IP only when there is no X-Forwarded-For, and only if it is an address', () => {
    expect(resolveClientIp('10.0.0.1', { xRealIp: '198.51.100.7' }, PROXIES)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '', xRealIp: ' 198.51.100.7 ' }, PROXIES)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '203.0.113.9', xRealIp: '198.51.100.7' }, PROXIES)).toBe('203.0.113.9');
    expect(resolveClientIp('10.0.0.1', { xRealIp: 'nonsense' }, PROXIES)).toBe('10.0.0.1');
  });

  it('returns an unparseable socket address unchanged (it is then stored as no address)', () => {
    expect(resolveClientIp('', {}, PROXIES)).toBe('');
    expect(resolveClientIp('weird', {}, NONE)).toBe('weird');
  });
});

describe('parseTrustedProxies', () => {
  it('accepts CIDRs, bare addresses and mapped ranges', () => {
    const t = parseTrustedProxies([' 10.0.0.0/8 ', '2001:db8::/32', '::1', '::ffff:172.16.0.0/108']);
    expect(t.size).toBe(4);
    expect(resolveClientIp('172.16.5.5', { xForwardedFor: '198.51.100.7' }, t)).toBe('198.51.100.7');
    expect(resolveClientIp('172.32.0.1', { xForwardedFor: '198.51.100.7' }, t)).toBe('172.32.0.1');
    expect(resolveClientIp('::1', { xForwardedFor: '198.51.100.7' }, t)).toBe('198.51.100.7');
  });

  it('names the bad entry in its error', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '2001:db8::/129', '', '::ffff:10.0.0.0/64']) {
      expect(() => parseTrustedProxies(['10.0.0.0/8', bad]), bad).toThrow(`"${bad}"`);
    }
  });
});

describe('resolveClientIp (several field lines, RFC 9110 §5.3)', () => {
  it('reads X-Forwarded-For lines joined as one list, so a client-written first line does not choose the client', () => {
    // What the public listener passes for `X-Forwarded-For: 9.9.9.9` followed by the proxy's own line.
    expect(resolveClientIp('10.0.0.1', { xForwardedFor: '9.9.9.9, 203.0.113.5' }, PROXIES)).toBe('203.0.113.5');
  });

  it('ignores X-Real-IP that came on more than one line', () => {
    expect(resolveClientIp('10.0.0.1', { xRealIp: '9.9.9.9', xRealIpLines: 2 }, PROXIES)).toBe('10.0.0.1');
    expect(resolveClientIp('10.0.0.1', { xRealIp: '9.9.9.9', xRealIpLines: 1 }, PROXIES)).toBe('9.9.9.9');
  });

  it('reads the headers (the expensive part) only for a trusted peer', () => {
    let reads = 0;
    const headers = () => {
      reads++;
      return { xForwardedFor: '198.51.100.7' };
    };
    expect(resolveClientIp('203.0.113.9', headers, PROXIES)).toBe('203.0.113.9');
    expect(resolveClientIp('203.0.113.9', headers, NONE)).toBe('203.0.113.9');
    expect(reads).toBe(0);
    expect(resolveClientIp('10.0.0.1', headers, PROXIES)).toBe('198.51.100.7');
    expect(reads).toBe(1);
  });
});
