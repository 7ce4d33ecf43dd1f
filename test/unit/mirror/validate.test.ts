import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS, TRACKING_ID_PATTERN, validateLink, type RejectReason } from '../../../src/mirror/validate.js';

const good = { tracking_id: 'lt_abc123def456', original_url: 'https://linkedin.com/in/steve-glen', is_active: true };
const reason = (raw: unknown): RejectReason | 'ok' => {
  const v = validateLink(raw);
  return v.ok ? 'ok' : v.reason;
};

describe('validateLink', () => {
  it('accepts the guide\'s example link with all its optional fields', () => {
    const v = validateLink({
      ...good,
      redirect_url: 'https://yourdomain.com/track/lt_abc123def456',
      link_function: 'LinkedIn', link_type: 'profile',
      job_id: '550e8400-e29b-41d4-a716-446655440000', application_id: '550e8400-e29b-41d4-a716-446655440001',
      created_at: '2025-07-27T21:00:00Z', description: 'Professional LinkedIn profile', created_by: 'system',
    });
    expect(v).toEqual({
      ok: true,
      link: {
        ...good, redirect_url: 'https://yourdomain.com/track/lt_abc123def456', link_function: 'LinkedIn', link_type: 'profile',
        job_id: '550e8400-e29b-41d4-a716-446655440000', application_id: '550e8400-e29b-41d4-a716-446655440001',
        created_at: '2025-07-27T21:00:00Z', description: 'Professional LinkedIn profile', created_by: 'system',
      },
    });
  });

  it('rejects anything that is not a plain object as not_an_object', () => {
    for (const raw of [null, undefined, 'x', 42, true, [], [good]]) expect(reason(raw)).toBe('not_an_object');
  });

  it('requires tracking_id and holds it to ^[A-Za-z0-9_-]{1,100}$', () => {
    expect(reason({ ...good, tracking_id: undefined })).toBe('missing_tracking_id');
    expect(reason({ ...good, tracking_id: null })).toBe('missing_tracking_id');
    for (const id of ['', 'has space', 'a/b', 'ü', 'a.b', 'x'.repeat(101), 'a\n', 7]) expect(reason({ ...good, tracking_id: id })).toBe('bad_tracking_id');
    expect(reason({ ...good, tracking_id: 'A-z_0'.padEnd(100, 'x') })).toBe('ok');
  });

  it('requires original_url to be a string', () => {
    expect(reason({ ...good, original_url: undefined })).toBe('missing_original_url');
    expect(reason({ ...good, original_url: '' })).toBe('missing_original_url');
    expect(reason({ ...good, original_url: 12 })).toBe('bad_original_url');
    expect(reason({ ...good, original_url: { href: 'https://a.b' } })).toBe('bad_original_url');
  });

  it('caps original_url at the guide\'s 1000 characters', () => {
    const base = 'https://example.com/';
    expect(reason({ ...good, original_url: base + 'a'.repeat(1000 - base.length) })).toBe('ok');
    expect(reason({ ...good, original_url: base + 'a'.repeat(1001 - base.length) })).toBe('url_too_long');
  });

  it('rejects control characters anywhere in the URL (header injection, hidden text)', () => {
    for (const bad of ['\r\nSet-Cookie: a=b', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u200b', '\ufeff']) {
      expect(reason({ ...good, original_url: `https://example.com/a${bad}b` }), JSON.stringify(bad)).toBe('url_has_control_chars');
    }
  });

  it('rejects a space (or any Unicode space) in the URL under its own reason, not as a control character', () => {
    for (const bad of [' ', '\u00a0', '\u2028', '\u3000', '\u2003']) {
      expect(reason({ ...good, original_url: `https://example.com/a${bad}b` }), JSON.stringify(bad)).toBe('url_has_whitespace');
    }
    expect(reason({ ...good, original_url: ' https://example.com/' })).toBe('url_has_whitespace');
    expect(reason({ ...good, original_url: 'https://example.com/my cv.pdf' })).toBe('url_has_whitespace');
  });

  it('requires an absolute URL', () => {
    for (const u of ['/relative', 'example.com/x', '//example.com/x', 'https//example.com']) expect(reason({ ...good, original_url: u }), u).toBe('url_not_absolute');
  });

  it('allows only http and https', () => {
    for (const u of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com/f', 'file:///etc/passwd', 'mailto:a@b.c', 'vbscript:x']) {
      expect(reason({ ...good, original_url: u }), u).toBe('bad_url_scheme');
    }
    expect(reason({ ...good, original_url: 'HTTP://EXAMPLE.COM/' })).toBe('ok');
  });

  it('rejects URLs carrying credentials (https://bank@evil.example)', () => {
    expect(reason({ ...good, original_url: 'https://bank.example.com@evil.example/' })).toBe('url_has_credentials');
    expect(reason({ ...good, original_url: 'https://user:pw@example.com/' })).toBe('url_has_credentials');
  });

  it('requires is_active, as a boolean', () => {
    expect(reason({ ...good, is_active: undefined })).toBe('missing_is_active');
    expect(reason({ ...good, is_active: null })).toBe('missing_is_active');
    for (const v of ['true', 1, 0, 'false']) expect(reason({ ...good, is_active: v })).toBe('bad_is_active');
    expect(validateLink({ ...good, is_active: false })).toMatchObject({ ok: true, link: { is_active: false } });
  });

  it('turns a wrong-typed optional field into null instead of dropping the link', () => {
    const v = validateLink({ ...good, description: 5, link_function: ['x'], job_id: {} });
    expect(v).toMatchObject({ ok: true, link: { description: null, link_function: null, job_id: null } });
  });

  it('stores the WHATWG serialization: ASCII only, what a browser would open', () => {
    expect(validateLink({ ...good, original_url: 'https://bücher.example/straße?q=ä' })).toMatchObject({
      ok: true, link: { original_url: 'https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4' },
    });
    expect(validateLink({ ...good, original_url: 'https://example.com' })).toMatchObject({ ok: true, link: { original_url: 'https://example.com/' } });
  });

  it('has a stable reason code for every rejection, in snake_case', () => {
    for (const r of REJECT_REASONS) expect(r).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('never accepts a URL a Location header could not carry verbatim (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string({ unit: 'binary' }), fc.string().map((s) => 'https://example.com/' + s)), (u) => {
        const v = validateLink({ ...good, original_url: u });
        if (!v.ok) return;
        const href = v.link.original_url;
        expect(href).toMatch(/^https?:\/\/[^/?#\s]+/);
        expect(href).toMatch(/^[\x21-\x7e]+$/); // printable ASCII, no spaces
        expect(validateLink({ ...good, original_url: href })).toEqual(v); // idempotent
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with TRACKING_ID_PATTERN on every id (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (id) => {
        expect(reason({ ...good, tracking_id: id }) === 'ok').toBe(TRACKING_ID_PATTERN.test(id));
      }),
      { numRuns: 500 },
    );
  });
});
