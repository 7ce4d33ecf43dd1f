/**
 * A replaced country database takes effect without a restart: renamed over the file (as a
 * monthly download script does), it is picked up from the directory's change notice, checked,
 * and swapped in; lookups meanwhile keep answering from the old one. A bad replacement (wrong
 * type, half written) is refused with CR_ERR_COUNTRY_DB_REPLACEMENT and the old database
 * stays. Every wait is for the watcher's own event, never a fixed sleep.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCountryDatabase, type CountryDatabase } from '../../../src/country/mmdb-country.js';
import { watchCountryDatabase, type CountryDbWatch } from '../../../src/country/country-watch.js';
import type { ClickrelayError } from '../../../src/errors.js';
import { writeMmdb, type MmdbSpec } from '../../support/mmdb-writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'cr-country-watch-'));
const watches: CountryDbWatch[] = [];
afterAll(() => {
  for (const w of watches) w.close();
  rmSync(tmp, { recursive: true, force: true });
});

const bytes = (code: string, spec: Partial<MmdbSpec> = {}) =>
  writeMmdb({ databaseType: 'DBIP-Country-Lite', ipVersion: 6, builtAt: new Date('2026-11-01T00:00:00Z'), networks: [['81.2.69.0/24', { country: { iso_code: code } }]], ...spec });

/** Writes beside the file and renames it over: how a download should replace it. */
function replace(file: string, content: Buffer): void {
  writeFileSync(`${file}.part`, content);
  renameSync(`${file}.part`, file);
}

/** The watcher with its events as promises, one at a time. */
async function watched(file: string) {
  let next: { resolve(v: unknown): void } | null = null;
  const event = () => new Promise<unknown>((resolve) => (next = { resolve }));
  const w = await watchCountryDatabase(openCountryDatabase(file), {
    swapped: (db: CountryDatabase) => next?.resolve({ swapped: db }),
    refused: (error: ClickrelayError) => next?.resolve({ refused: error }),
  });
  watches.push(w);
  return { w, event };
}

describe('country database replaced while running', () => {
  it('a file renamed over the old one is swapped in without a restart', async () => {
    const file = join(tmp, 'swap.mmdb');
    writeFileSync(file, bytes('GB'));
    const { w, event } = await watched(file);
    expect(w.lookup('81.2.69.160')).toBe('GB');
    const swapped = event();
    replace(file, bytes('IE', { builtAt: new Date('2026-12-01T00:00:00Z') }));
    expect(w.lookup('81.2.69.160')).toBe('GB'); // until it is checked, the old one answers
    const got = (await swapped) as { swapped: CountryDatabase };
    expect(got.swapped.builtAt.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(w.lookup('81.2.69.160')).toBe('IE');
    expect(w.current().builtAt.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('a bad replacement is refused with a coded error and the old database keeps answering; the next good one is taken', async () => {
    const file = join(tmp, 'refuse.mmdb');
    writeFileSync(file, bytes('GB'));
    const { w, event } = await watched(file);

    let refused = event();
    replace(file, bytes('FR', { databaseType: 'GeoLite2-City' }));
    const city = ((await refused) as { refused: ClickrelayError }).refused;
    expect(city.code).toBe('CR_ERR_COUNTRY_DB_REPLACEMENT');
    expect((city.cause as ClickrelayError).code).toBe('CR_ERR_COUNTRY_DB_TYPE');
    expect(city.message).toMatch(/stays in use: .* is a "GeoLite2-City" database, not a country one/);
    expect(w.lookup('81.2.69.160')).toBe('GB');

    refused = event();
    const good = bytes('NL');
    replace(file, good.subarray(0, good.length / 2)); // a copy cut short
    const half = ((await refused) as { refused: ClickrelayError }).refused;
    expect((half.cause as ClickrelayError).code).toBe('CR_ERR_COUNTRY_DB_UNREADABLE');
    expect(w.lookup('81.2.69.160')).toBe('GB');

    const swapped = event();
    replace(file, good);
    await swapped;
    expect(w.lookup('81.2.69.160')).toBe('NL');
  });

  it('check() finds a change without a notice (the poll for file systems without them), and an unchanged file is not re-read', async () => {
    const file = join(tmp, 'poll.mmdb');
    writeFileSync(file, bytes('GB'));
    const seen: string[] = [];
    const w = await watchCountryDatabase(openCountryDatabase(file), { swapped: (db) => seen.push(db.builtAt.toISOString()), refused: (e) => seen.push(e.code) });
    watches.push(w);
    await w.check();
    expect(seen).toEqual([]); // nothing changed
    replace(file, bytes('PT', { builtAt: new Date('2026-12-02T00:00:00Z') }));
    await w.check();
    expect(w.lookup('81.2.69.160')).toBe('PT');
    await w.check();
    expect(seen).toEqual(['2026-12-02T00:00:00.000Z']); // once, whether the notice or check() got there first
  });
});
