import { describe, expect, it } from 'vitest';
import { reduceUserAgent, userAgentIsReduced } from '../../../src/privacy/index.js';
import { isBot } from '../../../src/privacy/bot.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  safariIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
  curl: 'curl/8.4.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  linkedinPreview: 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
};

describe('reduceUserAgent', () => {
  it('keeps browser family with major version and OS family only', () => {
    expect(reduceUserAgent(UA.chromeWindows, 'reduced')).toBe('Chrome 120; Windows');
    expect(reduceUserAgent(UA.safariIos, 'reduced')).toBe('Mobile Safari 17; iOS');
    expect(reduceUserAgent(UA.firefoxLinux, 'reduced')).toBe('Firefox 121; Linux');
    expect(reduceUserAgent(UA.safariMac, 'reduced')).toBe('Safari 17; Mac OS');
    expect(reduceUserAgent(UA.edge, 'reduced')).toBe('Edge 120; Windows');
  });

  it('says "Other" for what it cannot name', () => {
    expect(reduceUserAgent(UA.curl, 'reduced')).toBe('Other; Other');
    expect(reduceUserAgent(UA.googlebot, 'reduced')).toBe('Other; Other');
    expect(reduceUserAgent('"><script>alert(1)</script>', 'reduced')).toBe('Other; Other');
  });

  it('answers the same from its memo as from a fresh parse', () => {
    const first = reduceUserAgent(UA.chromeWindows, 'reduced');
    for (let i = 0; i < 1_500; i++) reduceUserAgent(`${UA.firefoxLinux} n${i}`, 'reduced'); // forces a clear
    expect(reduceUserAgent(UA.chromeWindows, 'reduced')).toBe(first);
  });

  it('cleans and caps a full user agent', () => {
    expect(reduceUserAgent(UA.chromeWindows, 'full')).toBe(UA.chromeWindows);
    expect(reduceUserAgent('Evil\r\nX-Injected: 1\u0000\u007f', 'full')).toBe('EvilX-Injected: 1');
    expect(reduceUserAgent('x'.repeat(2000), 'full')).toHaveLength(512);
    expect(reduceUserAgent('\u0001\u0002', 'full')).toBeNull();
  });

  it('stores nothing in none mode or without a user agent', () => {
    expect(reduceUserAgent(UA.chromeWindows, 'none')).toBeNull();
    expect(reduceUserAgent(undefined, 'reduced')).toBeNull();
    expect(reduceUserAgent('', 'full')).toBeNull();
  });
});

describe('userAgentIsReduced (audit)', () => {
  it('accepts exactly the reduced shape and NULL', () => {
    for (const ua of Object.values(UA)) expect(userAgentIsReduced(reduceUserAgent(ua, 'reduced')), ua).toBe(true);
    expect(userAgentIsReduced(null)).toBe(true);
    expect(userAgentIsReduced('Chrome Headless 120; Chromium OS')).toBe(true);
  });

  it('rejects a full user agent or anything off-shape', () => {
    expect(userAgentIsReduced(UA.chromeWindows)).toBe(false);
    expect(userAgentIsReduced(UA.curl)).toBe(false);
    expect(userAgentIsReduced('Chrome 120; Windows 10; x64')).toBe(false);
    expect(userAgentIsReduced('Chrome 120.0.6099; Windows')).toBe(false);
    expect(userAgentIsReduced(`${'A'.repeat(40)} 1; Windows`)).toBe(false);
    expect(userAgentIsReduced('')).toBe(false);
  });
});

describe('isBot', () => {
  it('flags crawlers and preview fetchers, not browsers', () => {
    expect(isBot(UA.googlebot)).toBe(true);
    expect(isBot(UA.linkedinPreview)).toBe(true);
    expect(isBot(UA.curl)).toBe(true);
    expect(isBot(UA.chromeWindows)).toBe(false);
    expect(isBot(UA.safariIos)).toBe(false);
    // No User-Agent at all is a script or a gateway, not a browser (issue #15).
    expect(isBot(undefined)).toBe(true);
    expect(isBot('')).toBe(true);
  });
});
