import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseElements, splitLinksPage } from '../../../src/main-system/http/page-splitter.js';

const split = (text: string) => {
  const buf = Buffer.from(text, 'utf8');
  const page = splitLinksPage(buf);
  return { ...page, links: parseElements(buf, page, 0, page.count) };
};

describe('listing page splitter', () => {
  it('finds every link of a page and parses the other members', () => {
    const p = split('{"links":[{"tracking_id":"a","x":[1,{"y":"}]"}]}, {"tracking_id":"b"} ],"next_cursor":"c2"}');
    expect(p.links).toEqual([{ tracking_id: 'a', x: [1, { y: '}]' }] }, { tracking_id: 'b' }]);
    expect(p.members).toEqual({ next_cursor: 'c2' });
  });

  it('handles members in any order, escapes, unicode and an empty list', () => {
    expect(split(' {"next_cursor":null, "links":[]}\n')).toMatchObject({ count: 0, members: { next_cursor: null }, hasLinks: true });
    expect(split('{"links":[{"d":"q\\"uote\\\\","e":"ü€😀"}]}').links).toEqual([{ d: 'q"uote\\', e: 'ü€😀' }]);
    expect(split('{}')).toMatchObject({ hasLinks: false });
  });

  it('keeps a member named __proto__ as a plain member, as JSON.parse does', () => {
    const p = split('{"__proto__":{"polluted":true},"links":[],"next_cursor":null}');
    expect(Object.getPrototypeOf(p.members)).toBe(Object.prototype);
    expect(Object.keys(p.members)).toContain('__proto__');
  });

  it('agrees with JSON.parse on any page (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 20 }),
        fc.option(fc.string(), { nil: null }),
        fc.dictionary(fc.string().filter((k) => k !== 'links' && k !== 'next_cursor'), fc.jsonValue(), { maxKeys: 3 }),
        fc.constantFrom(undefined, 0, 1, 2, '\t'),
        (links, cursor, extra, indent) => {
          const doc = { ...extra, links, next_cursor: cursor };
          const text = JSON.stringify(doc, null, indent);
          const p = split(text);
          const expected = JSON.parse(text) as { links: unknown[] };
          expect(p.links).toEqual(expected.links);
          expect(p.members).toEqual({ ...JSON.parse(JSON.stringify(extra)), next_cursor: cursor });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a page cut off anywhere (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }), fc.nat(), (links, cut) => {
        const text = JSON.stringify({ links, next_cursor: 'x' });
        const at = cut % text.length; // strictly shorter than the page
        expect(() => split(text.slice(0, at))).toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses garbage: HTML, trailing data, a bare array', () => {
    expect(() => split('{"links": [{"tracking_id": "lt_oops", <html>Bad Gateway</html>')).toThrow();
    expect(() => split('<html>502</html>')).toThrow(/expected "\{"/);
    expect(() => split('{"links":[]} extra')).toThrow(/trailing data/);
    expect(() => split('[{"tracking_id":"a"}]')).toThrow();
    expect(() => split('{"links":[{"a":tru}]}')).toThrow(); // caught when the element is parsed
  });
});
