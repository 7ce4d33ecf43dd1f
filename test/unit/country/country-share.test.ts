/**
 * The country database as the serving threads get it (src/country/country-share.ts): a file
 * read by mmdb-country.ts is already in shared memory, so its share is those very bytes (one
 * copy across threads); a serving thread's reader over them answers as the main thread's does,
 * takes a newer share and ignores an older or repeated one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedCountry, shareCountryDatabase } from '../../../src/country/country-share.js';
import { countryDatabaseFromBytes, loadCountryDatabase, openCountryDatabase } from '../../../src/country/mmdb-country.js';
import { dbipCountryFile } from '../../support/mmdb-writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'cr-country-share-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (code: string) => dbipCountryFile(code, new Date('2026-11-01T00:00:00Z'));

function file(name: string, code: string): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes(code));
  return path;
}

describe('country database shares', () => {
  it('a file read at start or on replacement is in shared memory: its share is the same bytes, not a copy', async () => {
    const opened = openCountryDatabase(file('a.mmdb', 'GB'));
    const loaded = await loadCountryDatabase(file('b.mmdb', 'IE'));
    for (const db of [opened, loaded]) {
      expect(db.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shareCountryDatabase(db, 0).bytes).toBe(db.bytes.buffer);
    }
    expect(opened.lookup('81.2.69.160')).toBe('GB');
    expect(loaded.lookup('81.2.69.160')).toBe('IE');
  });

  it('a database over ordinary memory is copied into shared memory once, byte for byte', () => {
    const plain = bytes('IS');
    const share = shareCountryDatabase(countryDatabaseFromBytes('plain.mmdb', plain), 3);
    expect(share.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(share.bytes).equals(plain)).toBe(true);
    expect(share).toMatchObject({ generation: 3, file: 'plain.mmdb' });
  });

  it("a serving thread's reader answers from its share, takes a newer one and ignores an older or repeated one", () => {
    const gb = shareCountryDatabase(openCountryDatabase(file('c.mmdb', 'GB')), 0);
    const no = shareCountryDatabase(openCountryDatabase(file('d.mmdb', 'NO')), 1);
    const country = new SharedCountry(gb);
    expect(country.lookup('81.2.69.160')).toBe('GB');
    country.update(no);
    expect(country.lookup('81.2.69.160')).toBe('NO');
    expect(country.generation).toBe(1);
    country.update(gb); // older: a late re-send after a start
    country.update(no);
    expect(country.lookup('81.2.69.160')).toBe('NO');
  });

  it('a share that is not a country database is refused with its code and the one in use stays', () => {
    const country = new SharedCountry(shareCountryDatabase(openCountryDatabase(file('e.mmdb', 'GB')), 0));
    const broken = new SharedArrayBuffer(64);
    expect(() => country.update({ generation: 1, file: 'broken.mmdb', bytes: broken })).toThrow(expect.objectContaining({ code: 'CR_ERR_COUNTRY_DB_UNREADABLE' }) as Error);
    expect(country.lookup('81.2.69.160')).toBe('GB');
    expect(country.generation).toBe(0);
  });
});
