import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entrySize, LinkTable, packLinkTable } from '../../../src/mirror/link-table.js';

function table(rows: [string, string | null][]): LinkTable {
  return new LinkTable(packLinkTable(rows, rows.reduce((n, [id, url]) => n + entrySize(id, url), 0)));
}

describe('the packed link table', () => {
  it('finds every active and inactive link, and nothing else', () => {
    const rows: [string, string | null][] = Array.from({ length: 20_000 }, (_, i) => [`lt_${i.toString(36)}`, i % 10 === 0 ? null : `https://jobs.example.com/p/${i}?ref=x`]);
    const t = table(rows);
    expect(t.links).toBe(20_000);
    expect(t.inactive).toBe(2_000);
    for (const [id, url] of rows) expect(t.lookupUrl(id)).toBe(url);
    for (let i = 0; i < 2_000; i++) expect(t.lookupUrl(`lt_unknown_${i}`)).toBeUndefined();
    expect(t.lookupUrl('')).toBeUndefined();
    expect(t.lookupUrl('x'.repeat(300))).toBeUndefined();
  });

  it('keeps URLs byte-exact, non-ASCII ones included, and gives them back in pack order', () => {
    const rows: [string, string | null][] = [
      ['a', 'https://例え.jp/パス?q=ü'],
      ['b', null],
      ['c', 'https://example.com/' + 'x'.repeat(990)],
      ['A-_9', 'https://example.com/%F0%9F%98%80'],
    ];
    const t = table(rows);
    for (const [id, url] of rows) expect(t.lookupUrl(id)).toBe(url);
    expect([...t.entries()]).toEqual(rows);
  });

  it('answers "unknown" for everything when empty', () => {
    const t = table([]);
    expect(t.links).toBe(0);
    expect(t.lookupUrl('lt_test123456789')).toBeUndefined();
    expect([...t.entries()]).toEqual([]);
  });

  it('refuses a size that does not match what it packs, rather than serving a torn table', () => {
    expect(() => packLinkTable([['a', 'https://x.example/']], 3)).toThrow(RangeError);
  });

  it('agrees with a Map on random sets and probes (property)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(id, fc.option(fc.webUrl(), { nil: null })), { selector: ([i]) => i, maxLength: 300 }), fc.array(id, { maxLength: 50 }), (rows, probes) => {
        const t = table(rows);
        const m = new Map(rows);
        for (const p of [...rows.map(([i]) => i), ...probes]) expect(t.lookupUrl(p)).toBe(m.get(p));
      }),
      { numRuns: 200 },
    );
  });
});
