import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractQuery } from '../../../src/privacy/index.js';
import { UTM_KEYS } from '../../../src/types.js';

describe('extractQuery', () => {
  it('keeps the five UTM keys and src', () => {
    const q = extractQuery('?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=dev&utm_content=btn&src=linkedin');
    expect(q).toEqual({
      utm: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring', utm_term: 'dev', utm_content: 'btn' },
      src: 'linkedin',
    });
  });

  it('never returns personal or unknown parameters', () => {
    const q = extractQuery('email=a@b.c&token=s3cr3t&utm_source=x&name=Jane&utm_id=7&UTM_SOURCE=y&fbclid=abc&gclid=def');
    expect(q).toEqual({ utm: { utm_source: 'x' } });
    const text = JSON.stringify(q);
    for (const leak of ['a@b.c', 's3cr3t', 'Jane', 'abc', 'def', 'token', 'email']) expect(text).not.toContain(leak);
  });

  it('only ever returns allow-listed keys, whatever the query', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...UTM_KEYS, 'src'), fc.string()), fc.string())), (pairs) => {
        const q = extractQuery(new URLSearchParams(pairs).toString());
        for (const key of Object.keys(q.utm)) expect(UTM_KEYS).toContain(key);
        expect(Object.keys(q).every((k) => k === 'utm' || k === 'src')).toBe(true);
        for (const value of [...Object.values(q.utm), q.src ?? 'x']) {
          expect(value.length).toBeGreaterThan(0);
          expect(value.length).toBeLessThanOrEqual(200);
          expect(/\p{Cc}/u.test(value)).toBe(false);
        }
      }),
    );
  });

  it('decodes, takes the first non-empty value, strips control characters and caps at 200', () => {
    expect(extractQuery('utm_source=a%20b&utm_source=second').utm.utm_source).toBe('a b');
    expect(extractQuery('utm_source=&utm_source=second').utm.utm_source).toBe('second');
    expect(extractQuery('utm%5Fsource=encoded-key').utm.utm_source).toBe('encoded-key');
    expect(extractQuery('utm_campaign=a%0D%0Ab%00c%1B').utm.utm_campaign).toBe('abc');
    expect(extractQuery(`utm_term=${'z'.repeat(500)}`).utm.utm_term).toHaveLength(200);
    expect(extractQuery(`utm_term=${'z'.repeat(199)}%F0%9F%98%80`).utm.utm_term).toBe('z'.repeat(199));
  });

  it('returns nothing for an empty or UTM-free query', () => {
    expect(extractQuery('')).toEqual({ utm: {} });
    expect(extractQuery('?')).toEqual({ utm: {} });
    expect(extractQuery('a=1&b=2')).toEqual({ utm: {} });
    expect(extractQuery('utm_source=%0A')).toEqual({ utm: {} });
  });
});
