import { describe, expect, it } from 'vitest';
import { deriveClickSource } from '../../../src/privacy/index.js';
import { CLICK_SOURCES } from '../../../src/types.js';

const DASH = 'jobs.example.com';
const fromHost = (host: string | null) => deriveClickSource(undefined, host, DASH);

describe('deriveClickSource', () => {
  it('lets an explicit src from the guide list win over the referrer', () => {
    for (const src of CLICK_SOURCES) expect(deriveClickSource(src, 'www.linkedin.com', DASH)).toBe(src);
    expect(deriveClickSource(' Email ', null, DASH)).toBe('email');
  });

  it('ignores a src value that is not on the list', () => {
    expect(deriveClickSource('newsletter', 'www.linkedin.com', DASH)).toBe('linkedin');
    expect(deriveClickSource('', null, DASH)).toBe('direct');
  });

  it('recognizes webmail hosts as email', () => {
    for (const host of ['mail.google.com', 'gmail.com', 'outlook.live.com', 'outlook.office.com', 'outlook.office365.com', 'mail.yahoo.com', 'de.mail.yahoo.com', 'mail.proton.me', 'mail.aol.com', 'mail.zoho.com', 'fastmail.com', 'app.fastmail.com', 'www.icloud.com', 'icloud.com']) {
      expect(fromHost(host), host).toBe('email');
    }
  });

  it('recognizes LinkedIn and Indeed with their subdomains', () => {
    for (const host of ['linkedin.com', 'www.linkedin.com', 'LinkedIn.com.', 'lnkd.in', 'x.lnkd.in']) expect(fromHost(host), host).toBe('linkedin');
    for (const host of ['indeed.com', 'uk.indeed.com', 'www.indeed.com']) expect(fromHost(host), host).toBe('indeed');
  });

  it('does not fall for look-alike hosts', () => {
    for (const host of ['evil-linkedin.com', 'linkedin.com.evil.io', 'notindeed.com', 'indeed.com.example', 'gmail.com.phish.net', 'xmail.google.com', 'mail.google.co', 'lnkd.in.evil']) {
      expect(fromHost(host), host).toBe('external');
    }
  });

  it('recognizes the main system host exactly as dashboard', () => {
    expect(fromHost('jobs.example.com')).toBe('dashboard');
    expect(fromHost('JOBS.example.com')).toBe('dashboard');
    expect(fromHost('other.jobs.example.com')).toBe('external');
    expect(deriveClickSource(undefined, 'jobs.example.com', null)).toBe('external');
  });

  it('calls no referrer direct and anything else external', () => {
    expect(fromHost(null)).toBe('direct');
    expect(fromHost('')).toBe('direct');
    expect(fromHost('news.ycombinator.com')).toBe('external');
  });
});
