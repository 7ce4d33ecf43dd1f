/**
 * Issue #15 / #12 / #24 on a real listener: a scanner-shaped request, a person arriving from a
 * gateway's warning page, a prefetch, an opted-out browser and a DNT browser each store
 * exactly what the policy says and nothing else; every DNT / Sec-GPC line counts (raw
 * sockets, since fetch joins repeated headers itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCountryDb } from '../../../src/country/country-db.js';
import { rawRequest, statusOf } from '../../support/raw-http.js';
import { startTestService, type TestService } from '../../support/service.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFE_LINKS_UA = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/57.0.2987.133 Safari/537.36';
const countries = openCountryDb();

let s: TestService;
beforeAll(async () => {
  // Behind a trusted local proxy, so a test can say which address the click came from.
  s = await startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32', CLICKRELAY_PRIVACY_COUNTRY: 'country' });
});
afterAll(async () => {
  await s.stop();
});

const get = (path: string, headers: Record<string, string>) => fetch(`${s.base}${path}`, { headers, redirect: 'manual' });
const last = () => s.clicks().at(-1)!.click;
const metric = async (line: RegExp) => {
  const text = await (await fetch(`${s.admin}/metrics`)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').at(-1)) : 0;
};

describe('what each kind of request stores', () => {
  it('a Safe Links fetch from Microsoft address space: stored as a scanner, truncated, with its country', async () => {
    const r = await get('/track/lt_test123456789?utm_source=mail', { 'User-Agent': SAFE_LINKS_UA, 'X-Forwarded-For': '40.107.3.4' });
    expect(r.status).toBe(302);
    const c = last();
    expect(c).toMatchObject({ ip_address: '40.107.3.0', user_agent: 'Chrome 57; Windows', referrer_url: null, click_source: 'direct', anonymous: false });
    expect(c.metadata).toEqual({ utm_source: 'mail', scanner: 'safelinks', country: countries.lookup('40.107.3.4') });
    expect(c.metadata.country).toMatch(/^[A-Z]{2}$/);
  });

  it('a person: no scanner, no bot, the country of the full address', async () => {
    await get('/track/lt_test123456789', { 'User-Agent': CHROME, 'X-Forwarded-For': '81.2.69.160' });
    expect(last()).toMatchObject({ ip_address: '81.2.69.0', user_agent: 'Chrome 120; Windows', metadata: { country: 'GB' }, anonymous: false });
    expect(Object.keys(last().metadata)).toEqual(['country']);
  });

  it("a person continuing from a gateway's warning page: a person, not a scanner (issue #24)", async () => {
    await get('/track/lt_test123456789', { 'User-Agent': CHROME, 'X-Forwarded-For': '81.2.69.160', Referer: 'https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx&data=05' });
    expect(last()).toMatchObject({ ip_address: '81.2.69.0', user_agent: 'Chrome 120; Windows', referrer_url: 'https://eur01.safelinks.protection.outlook.com', metadata: { country: 'GB' } });
    expect(Object.keys(last().metadata)).toEqual(['country']);
    // The same referrer beside a gateway's address is the gateway's fetch.
    await get('/track/lt_test123456789', { 'User-Agent': CHROME, 'X-Forwarded-For': '205.139.110.40', Referer: 'https://protect-us.mimecast.com/s/abc' });
    expect(last().metadata).toMatchObject({ scanner: 'mimecast' });
  });

  it('a request without a User-Agent is stored as a bot', async () => {
    const reply = await rawRequest(s.service.publicPort, 'GET /track/lt_test123456789 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 81.2.69.160\r\nConnection: close\r\n\r\n');
    expect(statusOf(reply)).toBe(302);
    expect(last()).toMatchObject({ user_agent: null, metadata: { bot: true, country: 'GB' } });
  });

  it('a prefetch or prerender gets a 503 nothing keeps (so the click comes for real), is not recorded, only counted', async () => {
    const before = s.clicks().length;
    const counted = await metric(/^clickrelay_clicks_dropped_total\{reason="prefetch"\}/);
    for (const headers of <Record<string, string>[]>[{ 'Sec-Purpose': 'prefetch' }, { 'Sec-Purpose': 'prefetch;prerender' }, { Purpose: 'prefetch' }, { 'X-Moz': 'prefetch' }, { 'X-Purpose': 'preview' }]) {
      const r = await get('/track/lt_test123456789', { 'User-Agent': CHROME, ...headers });
      expect(r.status).toBe(503);
      expect(r.headers.get('location')).toBeNull();
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('vary')).toBe('Sec-Purpose');
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.text()).toBe('');
    }
    // A HEAD stays a redirect that records nothing.
    const head = await fetch(`${s.base}/track/lt_test123456789`, { method: 'HEAD', headers: { 'Sec-Purpose': 'prefetch' }, redirect: 'manual' });
    expect(head.status).toBe(302);
    await get('/track/lt_other', { 'User-Agent': CHROME }); // a click after them: when it is stored, they would have been too
    expect(s.clicks().length).toBe(before + 1);
    expect(await metric(/^clickrelay_clicks_dropped_total\{reason="prefetch"\}/)).toBe(counted + 5);
  });

  it('an opted-out browser and a DNT browser are stored alike: no address, agent, referrer, session or country', async () => {
    for (const headers of <Record<string, string>[]>[{ Cookie: 'theme=dark; clickrelay_opt_out=1' }, { DNT: '1' }, { 'Sec-GPC': '1' }]) {
      await get('/track/lt_test123456789?utm_source=mail', { 'User-Agent': CHROME, Referer: 'https://mail.google.com/mail/u/0/', 'X-Forwarded-For': '81.2.69.160', ...headers });
      const c = last();
      expect(c).toMatchObject({ ip_address: null, user_agent: null, referrer_url: null, session_id: null, click_source: 'email', anonymous: true });
      expect(c.metadata).toEqual({ utm_source: 'mail' });
    }
  });

  it('a cookie that only looks like the opt-out is not one', async () => {
    await get('/track/lt_test123456789', { 'User-Agent': CHROME, Cookie: 'xclickrelay_opt_out=1; clickrelay_opt_out=10' });
    expect(last().anonymous).toBe(false);
  });
});

describe('every DNT / Sec-GPC line counts (raw sockets)', () => {
  const send = (headerLines: string) =>
    rawRequest(s.service.publicPort, `GET /track/lt_test123456789 HTTP/1.1\r\nHost: x\r\nUser-Agent: ${CHROME}\r\n${headerLines}Connection: close\r\n\r\n`);

  for (const [name, lines] of [
    ['DNT: 0 then DNT: 1', 'DNT: 0\r\nDNT: 1\r\n'],
    ['DNT: 1,1', 'DNT: 1,1\r\n'],
    ['Sec-GPC: 0 then Sec-GPC: 1', 'Sec-GPC: 0\r\nSec-GPC: 1\r\n'],
    ['DNT: junk then DNT:  1 ', 'DNT: junk\r\nDNT:  1 \r\n'],
    // #26: the opt-out cookie on the second Cookie line (HTTP/2 sends one line per cookie).
    ['the opt-out cookie on a second Cookie line', 'Cookie: theme=dark\r\nCookie: clickrelay_opt_out=1\r\n'],
  ] as const) {
    it(`honours ${name}`, async () => {
      expect(statusOf(await send(lines))).toBe(302);
      expect(last()).toMatchObject({ anonymous: true, ip_address: null });
    });
  }

  it('cookies on several lines without the opt-out are no opt-out', async () => {
    expect(statusOf(await send('Cookie: theme=dark\r\nCookie: clickrelay_opt_out=0\r\n'))).toBe(302);
    expect(last()).toMatchObject({ anonymous: false, ip_address: '127.0.0.0' });
  });

  it('DNT: 0 on every line is no opt-out', async () => {
    expect(statusOf(await send('DNT: 0\r\nDNT: 0\r\n'))).toBe(302);
    expect(last()).toMatchObject({ anonymous: false, ip_address: '127.0.0.0' });
  });
});

describe('dnt_mode = "drop"', () => {
  let d: TestService;
  beforeAll(async () => {
    d = await startTestService({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop' });
  });
  afterAll(async () => {
    await d.stop();
  });

  it('an opted-out click is redirected and nothing is stored, like a DNT click', async () => {
    for (const headers of <Record<string, string>[]>[{ Cookie: 'clickrelay_opt_out=1' }, { DNT: '1' }]) {
      const r = await fetch(`${d.base}/track/lt_test123456789`, { headers: { 'User-Agent': CHROME, ...headers }, redirect: 'manual' });
      expect(r.status).toBe(302);
    }
    await fetch(`${d.base}/track/lt_other`, { headers: { 'User-Agent': CHROME }, redirect: 'manual' });
    expect(d.clicks().map((c) => c.click.tracking_id)).toEqual(['lt_other']);
  });
});
