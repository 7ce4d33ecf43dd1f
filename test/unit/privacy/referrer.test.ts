import { describe, expect, it } from 'vitest';
import { reduceReferrer, referrerIsWithinPolicy } from '../../../src/privacy/index.js';

describe('reduceReferrer', () => {
  it('keeps only scheme, host and a non-default port in origin mode', () => {
    expect(reduceReferrer('https://mail.google.com/mail/u/0/#inbox/FMfcgz', 'origin')).toBe('https://mail.google.com');
    expect(reduceReferrer('https://www.linkedin.com/feed/?trk=x&email=a@b.c', 'origin')).toBe('https://www.linkedin.com');
    expect(reduceReferrer('http://Example.COM:8080/path', 'origin')).toBe('http://example.com:8080');
    expect(reduceReferrer('https://example.com:443/path', 'origin')).toBe('https://example.com');
    expect(reduceReferrer('https://user:secret@example.com/x', 'origin')).toBe('https://example.com');
    expect(reduceReferrer('https://bücher.example/', 'origin')).toBe('https://xn--bcher-kva.example');
  });

  it('strips userinfo and the fragment in full mode, keeping path and query', () => {
    expect(reduceReferrer('https://user:secret@example.com/a/b?q=1#frag', 'full')).toBe('https://example.com/a/b?q=1');
    expect(reduceReferrer('https://example.com', 'full')).toBe('https://example.com/');
  });

  it('caps a full referrer at 1000 characters', () => {
    const long = `https://example.com/${'a'.repeat(2000)}`;
    const out = reduceReferrer(long, 'full')!;
    expect(out).toHaveLength(1000);
    expect(out.startsWith('https://example.com/aaa')).toBe(true);
  });

  it('stores nothing in none mode', () => {
    expect(reduceReferrer('https://example.com/', 'none')).toBeNull();
  });

  it('treats non-http(s), malformed and absent referrers as none', () => {
    for (const raw of [undefined, '', 'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'ftp://example.com/', 'android-app://com.google.android.gm/', 'not a url', '//example.com/x', 'https://']) {
      expect(reduceReferrer(raw, 'origin'), String(raw)).toBeNull();
      expect(reduceReferrer(raw, 'full'), String(raw)).toBeNull();
    }
  });
});

describe('referrerIsWithinPolicy (audit)', () => {
  it('accepts what reduceReferrer stores for each mode, and NULL always', () => {
    const raw = 'https://user:pw@example.com/a?q=1#f';
    for (const mode of ['origin', 'full', 'none'] as const) {
      expect(referrerIsWithinPolicy(reduceReferrer(raw, mode), mode), mode).toBe(true);
      expect(referrerIsWithinPolicy(null, mode)).toBe(true);
    }
    expect(referrerIsWithinPolicy(reduceReferrer(`https://example.com/${'x'.repeat(3000)}`, 'full'), 'full')).toBe(true);
  });

  it('rejects a referrer past its configured form', () => {
    expect(referrerIsWithinPolicy('https://example.com/path', 'origin')).toBe(false);
    expect(referrerIsWithinPolicy('https://example.com/', 'origin')).toBe(false);
    expect(referrerIsWithinPolicy('https://example.com', 'none')).toBe(false);
    expect(referrerIsWithinPolicy('https://u:p@example.com/', 'full')).toBe(false);
    expect(referrerIsWithinPolicy('https://example.com/#frag', 'full')).toBe(false);
    expect(referrerIsWithinPolicy(`https://example.com/${'x'.repeat(1000)}`, 'full')).toBe(false);
    expect(referrerIsWithinPolicy('javascript:alert(1)', 'full')).toBe(false);
  });
});
