/**
 * The opt-out routes over HTTP: what each answers, which headers, and that another site
 * cannot switch recording on or off for a visitor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, statusOf } from '../../support/raw-http.js';
import { startTestService, type TestService } from '../../support/service.js';

let s: TestService;
beforeAll(async () => {
  s = await startTestService({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop' });
});
afterAll(async () => {
  await s.stop();
});

const req = (path: string, init: RequestInit = {}) => fetch(`${s.base}${path}`, { redirect: 'manual', ...init });

describe('/privacy/opt-out and /privacy/opt-in', () => {
  it('GET answers the page with a strict CSP and no cookie', async () => {
    for (const path of ['/privacy/opt-out', '/privacy/opt-in']) {
      const r = await req(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('content-security-policy')).toContain("form-action 'self'");
      expect(r.headers.get('cache-control')).toBe('private, no-store');
      expect(r.headers.get('set-cookie')).toBeNull();
      const html = await r.text();
      expect(html).not.toMatch(/<script/i);
      // Generated from the policy in force: this service drops opted-out clicks.
      expect(html).toContain('redirected and not recorded at all');
    }
    const head = await req('/privacy/opt-out', { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('POST opt-out sets the cookie and sends the browser back to the page; opt-in deletes it', async () => {
    const out = await req('/privacy/opt-out', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' }, body: '' });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/privacy/opt-out');
    expect(out.headers.get('set-cookie')).toBe('clickrelay_opt_out=1; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax');
    const page = await (await req('/privacy/opt-out', { headers: { Cookie: 'clickrelay_opt_out=1' } })).text();
    expect(page).toContain('You have opted out.');

    const back = await req('/privacy/opt-in', { method: 'POST', body: 'x=1'.repeat(2000) }); // a body is read and ignored
    expect(back.status).toBe(303);
    expect(back.headers.get('set-cookie')).toBe('clickrelay_opt_out=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
  });

  it("refuses another site's form post, and sets nothing", async () => {
    for (const path of ['/privacy/opt-out', '/privacy/opt-in']) {
      const r = await req(path, { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' }, body: '' });
      expect(r.status).toBe(403);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(await r.text()).not.toContain('<form');
    }
  });

  it('refuses a post whose Origin is another site, also without Sec-Fetch-Site (raw HTTP)', async () => {
    const post = (path: string, lines: string) =>
      rawRequest(s.service.publicPort, `POST ${path} HTTP/1.1\r\nHost: relay.example\r\n${lines}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    for (const path of ['/privacy/opt-out', '/privacy/opt-in']) {
      for (const lines of [
        'Origin: https://evil.example\r\n',
        'Origin: null\r\n',
        'Origin: https://relay.example.evil.example\r\n',
        'Origin: https://evil.example\r\nSec-Fetch-Site: same-origin\r\n',
        'Sec-Fetch-Site: same-site\r\n',
        'Sec-Fetch-Site: cross-site\r\nOrigin: https://relay.example\r\n',
      ]) {
        const r = await post(path, lines);
        expect(statusOf(r), `${path} ${JSON.stringify(lines)}`).toBe(403);
        expect(r).not.toMatch(/set-cookie/i);
      }
      // The page's own form: same Origin (either scheme: TLS may end at a proxy), or no Origin.
      for (const lines of ['Origin: https://relay.example\r\n', 'Origin: http://RELAY.example\r\nSec-Fetch-Site: same-origin\r\n', 'Origin: null\r\nSec-Fetch-Site: same-origin\r\n', 'Sec-Fetch-Site: same-origin\r\n', '']) {
        const r = await post(path, lines);
        expect(statusOf(r), `${path} ${JSON.stringify(lines)}`).toBe(303);
        expect(r).toMatch(/set-cookie: clickrelay_opt_out=/i);
      }
    }
  });

  it('the page reads the opt-out cookie on any Cookie line (raw HTTP)', async () => {
    const r = await rawRequest(s.service.publicPort, 'GET /privacy/opt-in HTTP/1.1\r\nHost: x\r\nCookie: theme=dark\r\nCookie: clickrelay_opt_out=1\r\nConnection: close\r\n\r\n');
    expect(statusOf(r)).toBe(200);
    expect(r).toContain('You have opted out.');
  });

  it('sets no cookie anywhere else, and other /privacy paths are 404', async () => {
    expect((await req('/privacy/other')).status).toBe(404);
    expect((await req('/privacy/opt-out/x')).status).toBe(404);
    const r = await req('/track/lt_test123456789');
    expect(r.headers.get('set-cookie')).toBeNull();
    // Raw: a POST without a body at all (no Content-Length) is answered too.
    const raw = await rawRequest(s.service.publicPort, 'POST /privacy/opt-out HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(303);
  });
});

describe('the opt-out cookie behind a TLS proxy (server.trust_proxy set)', () => {
  let p: TestService;
  beforeAll(async () => {
    p = await startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32' });
  });
  afterAll(async () => {
    await p.stop();
  });
  const post = (headers: Record<string, string>) => fetch(`${p.base}/privacy/opt-out`, { method: 'POST', redirect: 'manual', headers: { 'Sec-Fetch-Site': 'same-origin', ...headers }, body: '' });

  it('is Secure (the proxy is assumed to terminate TLS), unless the proxy says X-Forwarded-Proto: http', async () => {
    expect((await post({})).headers.get('set-cookie')).toBe('clickrelay_opt_out=1; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax; Secure');
    expect((await post({ 'X-Forwarded-Proto': 'https' })).headers.get('set-cookie')).toMatch(/; Secure$/);
    expect((await post({ 'X-Forwarded-Proto': 'http' })).headers.get('set-cookie')).toBe('clickrelay_opt_out=1; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax');
  });
});
