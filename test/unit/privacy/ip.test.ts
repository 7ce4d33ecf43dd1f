import ipaddr from 'ipaddr.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipHasBitsBeyond, truncateIp } from '../../../src/privacy/index.js';

/** Independent check: every bit of `bytes` from position `prefix` on is zero. */
function zeroPast(bytes: number[], prefix: number): boolean {
  return bytes.every((byte, i) => {
    for (let bit = 0; bit < 8; bit++) {
      if (i * 8 + bit >= prefix && (byte & (0x80 >> bit)) !== 0) return false;
    }
    return true;
  });
}

function samePrefix(a: number[], b: number[], prefix: number): boolean {
  for (let pos = 0; pos < prefix; pos++) {
    const mask = 0x80 >> pos % 8;
    if (((a[pos >> 3] ?? 0) & mask) !== ((b[pos >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const hex4 = (n: number) => n.toString(16).padStart(4, '0');
/** IPv4-mapped IPv6 in every spelling we meet: short dotted, and uWebSockets.js long hex. */
const mapped = octets.chain(([a, b, c, d]) =>
  fc.constantFrom(
    `::ffff:${a}.${b}.${c}.${d}`,
    `0000:0000:0000:0000:0000:ffff:${hex4((a << 8) | b)}:${hex4((c << 8) | d)}`,
    `::FFFF:${hex4((a << 8) | b)}:${hex4((c << 8) | d)}`.toUpperCase(),
  ).map((text) => ({ text, v4: `${a}.${b}.${c}.${d}` })),
);
const v4Prefix = fc.integer({ min: 0, max: 32 });
const v6Prefix = fc.integer({ min: 0, max: 128 });

describe('truncateIp (properties)', () => {
  it('an IPv4 result keeps the prefix bits, has no bits past the prefix, and is idempotent', () => {
    fc.assert(
      fc.property(fc.ipV4(), v4Prefix, v6Prefix, (address, p4, p6) => {
        const out = truncateIp(address, p4, p6);
        expect(out).not.toBeNull();
        const bytes = ipaddr.parse(out!).toByteArray();
        expect(ipaddr.IPv4.isValidFourPartDecimal(out!)).toBe(true);
        expect(zeroPast(bytes, p4)).toBe(true);
        expect(samePrefix(bytes, ipaddr.parse(address).toByteArray(), p4)).toBe(true);
        expect(truncateIp(out!, p4, p6)).toBe(out);
        expect(ipHasBitsBeyond(out!, p4, p6)).toBe(false);
      }),
    );
  });

  it('an IPv6 result is compressed RFC 5952 text with no bits past the prefix, and is idempotent', () => {
    fc.assert(
      fc.property(fc.ipV6(), v4Prefix, v6Prefix, (address, p4, p6) => {
        const out = truncateIp(address, p4, p6);
        expect(out).not.toBeNull();
        const parsed = ipaddr.parse(out!);
        if (parsed.kind() === 'ipv6') {
          expect(out).toBe((parsed as ipaddr.IPv6).toRFC5952String());
          expect(zeroPast(parsed.toByteArray(), p6)).toBe(true);
          expect(samePrefix(parsed.toByteArray(), ipaddr.parse(address).toByteArray(), p6)).toBe(true);
        } else {
          // fc.ipV6 can produce a mapped address; it must then have become IPv4
          expect(zeroPast(parsed.toByteArray(), p4)).toBe(true);
        }
        expect(truncateIp(out!, p4, p6)).toBe(out);
        expect(ipHasBitsBeyond(out!, p4, p6)).toBe(false);
      }),
    );
  });

  it('an IPv4-mapped IPv6 address becomes IPv4 truncated with the IPv4 prefix', () => {
    fc.assert(
      fc.property(mapped, v4Prefix, v6Prefix, ({ text, v4 }, p4, p6) => {
        const out = truncateIp(text, p4, p6);
        expect(out).toBe(truncateIp(v4, p4, p6));
        expect(out).not.toContain(':');
      }),
    );
  });

  it('reads IPv4 exactly as ipaddr.js reads four-part decimal, and refuses every other IPv4 spelling', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (text) => {
        const expected = ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toString() : null;
        expect(truncateIp(text, 32, 128)).toBe(expected);
      }),
    );
  });

  it('never returns anything for random text that is not an address', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = truncateIp(text, 24, 48);
        if (out !== null) expect(ipaddr.isValid(out)).toBe(true);
      }),
    );
  });
});

describe('truncateIp (examples)', () => {
  it('keeps the configured network part by default (/24, /48)', () => {
    expect(truncateIp('203.0.113.77', 24, 48)).toBe('203.0.113.0');
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348', 24, 48)).toBe('2001:db8:85a3::');
  });

  it('handles prefixes that are not on a byte boundary, and the extremes', () => {
    expect(truncateIp('203.0.113.255', 20, 48)).toBe('203.0.112.0');
    expect(truncateIp('203.0.113.255', 0, 48)).toBe('0.0.0.0');
    expect(truncateIp('203.0.113.255', 32, 48)).toBe('203.0.113.255');
    expect(truncateIp('2001:db8:ffff::1', 24, 36)).toBe('2001:db8:f000::');
    expect(truncateIp('2001:db8::1', 24, 128)).toBe('2001:db8::1');
    expect(truncateIp('2001:db8::1', 24, 0)).toBe('::');
  });

  it('reads the long and mapped forms uWebSockets.js prints', () => {
    expect(truncateIp('0000:0000:0000:0000:0000:0000:0000:0001', 24, 48)).toBe('::');
    expect(truncateIp('0000:0000:0000:0000:0000:0000:0000:0001', 24, 128)).toBe('::1');
    expect(truncateIp('::ffff:127.0.0.1', 24, 48)).toBe('127.0.0.0');
    expect(truncateIp('0000:0000:0000:0000:0000:ffff:7f00:0001', 32, 48)).toBe('127.0.0.1');
  });

  it('drops an IPv6 zone id', () => {
    expect(truncateIp('fe80::1%eth0', 24, 128)).toBe('fe80::1');
  });

  it('returns null for anything that is not a plain address', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.256', '127.1', '0x7f.0.0.1', '010.0.0.1', ' 1.2.3.4', '1.2.3.4/24', '2001:db8::g', '[::1]', 'unknown']) {
      expect(truncateIp(bad, 24, 48), bad).toBeNull();
    }
  });

  it('refuses a prefix outside the address width', () => {
    expect(() => truncateIp('1.2.3.4', 33, 48)).toThrow(RangeError);
    expect(() => truncateIp('1.2.3.4', 24, -1)).toThrow(RangeError);
  });
});

describe('ipHasBitsBeyond (audit)', () => {
  it('flags addresses with host bits, non-canonical text and mapped IPv6', () => {
    expect(ipHasBitsBeyond('203.0.113.0', 24, 48)).toBe(false);
    expect(ipHasBitsBeyond('2001:db8:85a3::', 24, 48)).toBe(false);
    expect(ipHasBitsBeyond('203.0.113.7', 24, 48)).toBe(true);
    expect(ipHasBitsBeyond('2001:db8:85a3::1', 24, 48)).toBe(true);
    expect(ipHasBitsBeyond('2001:DB8:85A3::', 24, 48)).toBe(true);
    expect(ipHasBitsBeyond('2001:0db8:85a3:0000:0000:0000:0000:0000', 24, 48)).toBe(true);
    expect(ipHasBitsBeyond('::ffff:203.0.113.0', 24, 48)).toBe(true);
    expect(ipHasBitsBeyond('not an ip', 24, 48)).toBe(true);
  });
});
