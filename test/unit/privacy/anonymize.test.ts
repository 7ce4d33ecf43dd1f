import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymizeClick, policyFromConfig, sessionId, type PrivacyPolicy, type RawClick } from '../../../src/privacy/index.js';
import { CHROME, GOOGLEBOT, PRIVACY_DEFAULTS } from '../../support/privacy.js';
const KEY = randomBytes(32);
const CTX = { clickId: '018f3a4e-0000-7000-8000-000000000001', sessionKey: KEY };

const DEFAULTS = { ...PRIVACY_DEFAULTS, retention_days: 30 };
const POLICY = policyFromConfig(DEFAULTS, 'https://jobs.example.com');
const withPolicy = (over: Partial<typeof DEFAULTS>): PrivacyPolicy => policyFromConfig({ ...DEFAULTS, ...over }, 'https://jobs.example.com');

function raw(over: Partial<RawClick> = {}): RawClick {
  return {
    trackingId: 'lt_abc123',
    clientIp: '203.0.113.77',
    userAgent: CHROME,
    referer: 'https://mail.google.com/mail/u/0/#inbox/secret-thread',
    dnt: '',
    gpc: '',
    rawQuery: 'utm_source=newsletter&utm_medium=email&email=jane@example.com&token=abc',
    receivedAt: new Date('2024-05-01T12:34:56.789Z'),
    ...over,
  };
}

describe('anonymizeClick', () => {
  it('stores a normal click with every personal field reduced', () => {
    expect(anonymizeClick(raw(), POLICY, CTX)).toEqual({
      click_id: CTX.clickId,
      tracking_id: 'lt_abc123',
      clicked_at: '2024-05-01T12:34:56.789Z',
      ip_address: '203.0.113.0',
      user_agent: 'Chrome 120; Windows',
      referrer_url: 'https://mail.google.com',
      session_id: sessionId(KEY, '203.0.113.0', 'Chrome 120; Windows', '2024-05-01'),
      click_source: 'email',
      metadata: { utm_source: 'newsletter', utm_medium: 'email' },
      anonymous: false,
    });
  });

  it('never lets a non-UTM query parameter into the record', () => {
    const text = JSON.stringify(anonymizeClick(raw(), POLICY, CTX));
    expect(text).not.toContain('jane@example.com');
    expect(text).not.toContain('token');
  });

  for (const [name, signal] of [['DNT', { dnt: '1' }], ['Sec-GPC', { gpc: '1' }]] as const) {
    it(`counts a ${name} click without ip, user agent, referrer or session`, () => {
      expect(anonymizeClick(raw(signal), POLICY, CTX)).toEqual({
        click_id: CTX.clickId,
        tracking_id: 'lt_abc123',
        clicked_at: '2024-05-01T12:34:56.789Z',
        ip_address: null,
        user_agent: null,
        referrer_url: null,
        session_id: null,
        click_source: 'email',
        metadata: { utm_source: 'newsletter', utm_medium: 'email' },
        anonymous: true,
      });
    });

    it(`records nothing for a ${name} click when dnt_mode is drop`, () => {
      expect(anonymizeClick(raw(signal), withPolicy({ dnt_mode: 'drop' }), CTX)).toBeNull();
    });
  }

  it('records a DNT click normally when DNT is not honoured', () => {
    const record = anonymizeClick(raw({ dnt: '1' }), withPolicy({ honor_dnt: false, dnt_mode: 'drop' }), CTX);
    expect(record?.anonymous).toBe(false);
    expect(record?.ip_address).toBe('203.0.113.0');
  });

  it('flags a bot, even in an anonymous click, and flags nothing for a person', () => {
    expect(anonymizeClick(raw({ userAgent: GOOGLEBOT }), POLICY, CTX)?.metadata.bot).toBe(true);
    expect(anonymizeClick(raw({ userAgent: GOOGLEBOT, dnt: '1' }), POLICY, CTX)?.metadata).toEqual({ utm_source: 'newsletter', utm_medium: 'email', bot: true });
    expect(anonymizeClick(raw(), POLICY, CTX)?.metadata).not.toHaveProperty('bot');
  });

  it('derives click_source from src first, then the referrer host', () => {
    expect(anonymizeClick(raw({ rawQuery: 'src=linkedin' }), POLICY, CTX)?.click_source).toBe('linkedin');
    expect(anonymizeClick(raw({ referer: 'https://jobs.example.com/dashboard' }), POLICY, CTX)?.click_source).toBe('dashboard');
    expect(anonymizeClick(raw({ referer: '' }), POLICY, CTX)?.click_source).toBe('direct');
    expect(anonymizeClick(raw({ referer: undefined }), POLICY, CTX)?.click_source).toBe('direct');
    expect(anonymizeClick(raw({ referer: 'https://evil-linkedin.com/' }), POLICY, CTX)?.click_source).toBe('external');
  });

  it('follows the referrer and user-agent modes', () => {
    const full = anonymizeClick(raw(), withPolicy({ referrer: 'full', user_agent: 'full' }), CTX)!;
    expect(full.referrer_url).toBe('https://mail.google.com/mail/u/0/');
    expect(full.user_agent).toBe(CHROME);
    const none = anonymizeClick(raw(), withPolicy({ referrer: 'none', user_agent: 'none' }), CTX)!;
    expect(none.referrer_url).toBeNull();
    expect(none.user_agent).toBeNull();
    expect(none.click_source).toBe('email');
  });

  it('keys the session on the reduced user agent whatever the user-agent mode', () => {
    const reduced = anonymizeClick(raw(), POLICY, CTX)!.session_id;
    expect(anonymizeClick(raw(), withPolicy({ user_agent: 'full' }), CTX)!.session_id).toBe(reduced);
    expect(anonymizeClick(raw(), withPolicy({ user_agent: 'none' }), CTX)!.session_id).toBe(reduced);
  });

  it('gives one session to two clicks from the same /24 and browser on one day, another the next day', () => {
    const a = anonymizeClick(raw({ clientIp: '203.0.113.5' }), POLICY, CTX)!.session_id;
    const b = anonymizeClick(raw({ clientIp: '203.0.113.250', receivedAt: new Date('2024-05-01T23:59:59.999Z') }), POLICY, CTX)!.session_id;
    const c = anonymizeClick(raw({ clientIp: '203.0.113.5', receivedAt: new Date('2024-05-02T00:00:00.000Z') }), POLICY, CTX)!.session_id;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('truncates IPv6 and mapped addresses, and stores no ip or session for an unusable address', () => {
    expect(anonymizeClick(raw({ clientIp: '2001:db8:85a3:8d3::1' }), POLICY, CTX)!.ip_address).toBe('2001:db8:85a3::');
    expect(anonymizeClick(raw({ clientIp: '::ffff:198.51.100.9' }), POLICY, CTX)!.ip_address).toBe('198.51.100.0');
    const bad = anonymizeClick(raw({ clientIp: 'garbage' }), POLICY, CTX)!;
    expect(bad.ip_address).toBeNull();
    expect(bad.session_id).toBeNull();
  });

  it('handles a click with no user agent', () => {
    const record = anonymizeClick(raw({ userAgent: '' }), POLICY, CTX)!;
    expect(record.user_agent).toBeNull();
    expect(record.session_id).toMatch(/^s_[0-9a-f]{32}$/);
  });
});

describe('policyFromConfig', () => {
  it('maps the privacy section and takes the dashboard host from the main system URL', () => {
    expect(POLICY).toEqual({
      ipv4Prefix: 24,
      ipv6Prefix: 48,
      honorDnt: true,
      honorGpc: true,
      dntMode: 'count',
      referrer: 'origin',
      userAgent: 'reduced',
      dashboardHost: 'jobs.example.com',
      country: 'off',
      countryOf: null,
      utmTermContent: 'keep',
      scanners: expect.objectContaining({ names: ['safelinks', 'mimecast', 'proofpoint', 'barracuda'] }),
    });
    expect(policyFromConfig(DEFAULTS, '').dashboardHost).toBeNull();
    expect(Object.isFrozen(POLICY)).toBe(true);
  });

  it('refuses an enum value it does not know', () => {
    expect(() => policyFromConfig({ ...DEFAULTS, referrer: 'fulll' }, '')).toThrow('privacy.referrer');
  });
});
