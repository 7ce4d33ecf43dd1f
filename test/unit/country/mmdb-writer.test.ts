/**
 * The test MMDB writer (test/support/mmdb-writer.ts) against the `maxmind` reader the service
 * uses: what it writes, IPv4 and IPv6, nested networks and every value type it encodes, reads
 * back unchanged. The country tests build their databases with it.
 */
import { Reader } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { writeMmdb } from '../../support/mmdb-writer.js';

describe('test MMDB writer', () => {
  it('writes an IPv6 tree the reader walks for IPv6 and IPv4 addresses, narrower networks winning', () => {
    const builtAt = new Date('2026-11-20T10:00:00Z');
    const reader = new Reader<Record<string, unknown>>(
      writeMmdb({
        databaseType: 'GeoLite2-Country',
        ipVersion: 6,
        builtAt,
        description: { en: 'test' },
        languages: ['en'],
        networks: [
          ['81.0.0.0/8', { country: { iso_code: 'FR' } }],
          ['81.2.69.0/24', { country: { iso_code: 'GB' } }],
          ['2001:db8::/32', { country: { iso_code: 'DE' } }],
          ['1.1.1.1/32', { s: 'x'.repeat(300), n: 70000, big: 2n ** 40n, f: 1.5, yes: true, no: false, list: ['a', 'b'], deep: { m: { k: 'v' } } }],
        ],
      }),
    );
    expect(reader.metadata).toMatchObject({ binaryFormatMajorVersion: 2, binaryFormatMinorVersion: 0, databaseType: 'GeoLite2-Country', ipVersion: 6, recordSize: 24, languages: ['en'], description: { en: 'test' } });
    expect(reader.metadata.buildEpoch.toISOString()).toBe(builtAt.toISOString());
    expect(reader.get('81.2.69.160')).toEqual({ country: { iso_code: 'GB' } });
    expect(reader.get('81.3.0.1')).toEqual({ country: { iso_code: 'FR' } });
    expect(reader.get('2001:db8::1')).toEqual({ country: { iso_code: 'DE' } });
    expect(reader.get('8.8.8.8')).toBeNull();
    expect(reader.get('2001:db9::1')).toBeNull();
    expect(reader.get('1.1.1.1')).toEqual({ s: 'x'.repeat(300), n: 70000, big: 2n ** 40n, f: 1.5, yes: true, no: false, list: ['a', 'b'], deep: { m: { k: 'v' } } });
  });

  it('writes an IPv4 tree', () => {
    const reader = new Reader<Record<string, unknown>>(writeMmdb({ databaseType: 'DBIP-Country-Lite', ipVersion: 4, builtAt: new Date(), networks: [['10.0.0.0/8', { country_code: 'ZZ' }], ['10.1.0.0/16', { country_code: 'YY' }]] }));
    expect(reader.metadata.ipVersion).toBe(4);
    expect(reader.get('10.1.2.3')).toEqual({ country_code: 'YY' });
    expect(reader.get('10.2.0.0')).toEqual({ country_code: 'ZZ' });
    expect(reader.get('11.0.0.0')).toBeNull();
  });
});
