import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkTable, packLinkTable } from '../../../src/mirror/table/link-table.js';

function table(rows: [string, string | null][]): LinkTable {
  return new LinkTable(packLinkTable(() => rows));
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

  it('refuses rows that change between its two passes, rather than serving a torn table', () => {
    for (const second of [
      [['a', 'https://x.example/a/longer-now']],
      [['a', 'https://x.example/a/']],
      [['a', 'https://x.example/a/b'], ['b', null]],
    ] as [string, string | null][][]) {
      let pass = 0;
      expect(() => packLinkTable(() => (pass++ === 0 ? [['a', 'https://x.example/a/b']] : second))).toThrow(RangeError);
    }
  });

  it('stores a shared URL prefix once, and gives every URL back whole', () => {
    const profiles = Array.from({ length: 1_000 }, (_, i): [string, string] => [`lt_${i}`, `https://linkedin.com/in/person-${i % 7}`]);
    const odd: [string, string | null][] = [
      ['q', 'https://x.example/a/b?next=/c/d'],
      ['f', 'https://x.example/a#/frag/ment'],
      ['h', 'https://x.example'],
      ['s', 'http://a.b/'],
    ];
    const rows = [...profiles, ...odd];
    const data = packLinkTable(() => rows);
    expect(data.prefixes).toContain('https://linkedin.com/in/');
    expect(data.prefixes).toContain('https://x.example/a/');
    // ~20 bytes of a 33-byte URL are the shared prefix: the arena holds only the rest.
    const whole = rows.reduce((n, [id, url]) => n + id.length + Buffer.byteLength(url ?? ''), 0);
    expect(data.arena.byteLength).toBeLessThan(whole * 0.75);
    const t = new LinkTable(data);
    for (const [id, url] of rows) expect(t.lookupUrl(id)).toBe(url);
    expect([...t.entries()]).toEqual(rows);
    expect(t.bytes).toBe(data.arena.byteLength + data.slots.byteLength);
  });

  it('keeps indexing when the prefix dictionary is full, storing later URLs whole', () => {
    const rows = Array.from({ length: 70_000 }, (_, i): [string, string] => [`lt_${i}`, `https://h${i}.example/p/x`]);
    const data = packLinkTable(() => rows);
    expect(data.prefixes.length).toBe(0xffff);
    const t = new LinkTable(data);
    for (const [id, url] of rows) expect(t.lookupUrl(id)).toBe(url);
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
