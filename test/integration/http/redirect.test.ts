import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, statusOf } from '../../support/raw-http.js';
import { startTestService, type TestService } from '../../support/service.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

let s: TestService;
beforeAll(async () => {
  s = await startTestService();
});
afterAll(async () => {
  await s.stop();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${s.base}${path}`, { method, headers, redirect: 'manual' });
const clicksFor = (id: string) => s.clicks().filter((c) => c.click.tracking_id === id);

describe('redirects', () => {
  it("redirects the guide's test link with the configured status and privacy headers", async () => {
    const r = await get('/track/lt_test123456789');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://linkedin.com/in/steve-glen');
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('a durable redirect is answered only once its click is in outbox.db', async () => {
    const before = clicksFor('lt_other').length;
    const r = await get('/track/lt_other', { 'User-Agent': CHROME });
    expect(r.status).toBe(302);
    expect(clicksFor('lt_other').length).toBe(before + 1); // read straight after the answer, by another connection
  });

  it('HEAD is answered like GET and never recorded', async () => {
    const before = s.clicks().length;
    const r = await get('/track/lt_test123456789', {}, 'HEAD');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://linkedin.com/in/steve-glen');
    await get('/track/lt_other'); // a GET after it: when it is stored, the HEAD would have been too
    expect(s.clicks().length).toBe(before + 1);
  });

  it('unknown and inactive ids get the "Link not found or expired" page, nothing recorded', async () => {
    const before = s.clicks().length;
    for (const id of ['lt_unknown', 'lt_inactive']) {
      const r = await get(`/track/${id}`, { Accept: 'text/html' });
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(await r.text()).toContain('Link not found or expired');
    }
    expect(s.clicks().length).toBe(before);
  });

  it("answers the guide's JSON error shape when the client asks for JSON", async () => {
    const r = await get('/track/lt_unknown', { Accept: 'application/json' });
    expect(r.status).toBe(404);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: 'Link not found or expired', tracking_id: 'lt_unknown', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it.each(['bad%20id', 'a.b', "x'y", '%3Cscript%3E', 'a'.repeat(101), 'lt_%41'])('a malformed id (%s) is a 400, never reflected, nothing recorded', async (id) => {
    const before = s.clicks().length;
    const r = await get(`/track/${id}`, { Accept: 'application/json' });
    expect(r.status).toBe(400);
    const text = await r.text();
    // The guide's "Invalid Request (400)" shape (it has no tracking_id key: the id is not echoed).
    expect(JSON.parse(text)).toStrictEqual({ error: expect.stringMatching(/^Invalid field: tracking_id/), required_fields: ['tracking_id'], timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(text).not.toContain(decodeURIComponent(id).slice(0, 20));
    expect(s.clicks().length).toBe(before);
  });

  it('serves /track/* only: every other path is a 404', async () => {
    for (const path of ['/', '/metrics', '/healthz', '/track', '/track/', '/track/lt_test123456789/extra', '/api/link-tracking/analytics/lt_test123456789']) {
      const r = await get(path);
      expect([400, 404], path).toContain(r.status);
      expect(r.headers.get('location'), path).toBeNull();
    }
  });

  it('other methods on /track are refused with 405 and Allow: GET, HEAD, without recording', async () => {
    const before = s.clicks().length;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get('/track/lt_test123456789', { Accept: 'application/json' }, method);
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow'), method).toBe('GET, HEAD');
      expect(r.headers.get('location'), method).toBeNull();
      expect(await r.json()).toStrictEqual({ error: 'Method not allowed', tracking_id: 'lt_test123456789', timestamp: expect.any(String) });
    }
    const post = await fetch(`${s.base}/track/lt_test123456789`, { method: 'POST', body: 'tracking_id=lt_test123456789', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(s.clicks().length).toBe(before);
  });

  it('/track/ without an id is the guide\'s "Missing required field" 400', async () => {
    const r = await get('/track/', { Accept: 'application/json' });
    expect(r.status).toBe(400);
    expect(await r.json()).toStrictEqual({ error: 'Missing required field: tracking_id', required_fields: ['tracking_id'], timestamp: expect.any(String) });
  });

  it('answers carry no uWebSockets header: the server software is not announced', async () => {
    for (const [path, method] of [['/track/lt_test123456789', 'GET'], ['/track/lt_test123456789', 'HEAD'], ['/track/lt_unknown', 'GET'], ['/track/a.b', 'GET'], ['/track/lt_test123456789', 'POST'], ['/nowhere', 'GET']] as const) {
      const r = await get(path, {}, method);
      expect(r.headers.get('uwebsockets'), `${method} ${path}`).toBeNull();
    }
    expect((await fetch(`${s.admin}/metrics`)).headers.get('uwebsockets')).toBeNull();
    // Raw bytes too: fetch would hide a header it cannot parse.
    expect(await rawRequest(Number(new URL(s.base).port), 'GET /track/lt_test123456789 HTTP/1.1\r\nHost: x\r\n\r\n')).not.toMatch(/uwebsockets/i);
  });
});

describe('what a click record keeps', () => {
  it('truncates the IPv4 address, reduces referrer and user agent, keeps only UTM keys', async () => {
    await get('/track/lt_test123456789?utm_source=newsletter&utm_campaign=spring&email=alice%40example.com&token=secret&src=email', {
      'User-Agent': CHROME,
      Referer: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGqQJ',
    });
    const c = clicksFor('lt_test123456789').at(-1)!.click;
    expect(c.ip_address).toBe('127.0.0.0');
    expect(c.user_agent).toBe('Chrome 120; Windows');
    expect(c.referrer_url).toBe('https://mail.google.com');
    expect(c.click_source).toBe('email');
    expect(c.metadata).toEqual({ utm_source: 'newsletter', utm_campaign: 'spring' });
    expect(c.session_id).toMatch(/^s_[0-9a-f]{32}$/);
    expect(c.anonymous).toBe(false);
    expect(c.click_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const everything = JSON.stringify(s.clicks()) + JSON.stringify(s.logs);
    expect(everything).not.toContain('alice');
    expect(everything).not.toContain('secret');
    expect(everything).not.toContain('FMfcgzGqQJ');
  });

  it.each([
    ['DNT', { DNT: '1' }],
    ['Sec-GPC', { 'Sec-GPC': '1' }],
  ])('%s: 1 records the click with no IP, user agent, referrer or session', async (_name, headers) => {
    await get('/track/lt_other?utm_medium=cv', { ...headers, 'User-Agent': CHROME, Referer: 'https://www.linkedin.com/feed/' });
    const c = clicksFor('lt_other').at(-1)!.click;
    expect(c).toMatchObject({ ip_address: null, user_agent: null, referrer_url: null, session_id: null, anonymous: true, click_source: 'linkedin' });
    expect(c.metadata).toEqual({ utm_medium: 'cv' });
  });

  it('a click from a bot is recorded with the bot flag', async () => {
    await get('/track/lt_other', { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' });
    expect(clicksFor('lt_other').at(-1)!.click.metadata.bot).toBe(true);
  });

  it('the session id is stable for one client within a day', async () => {
    await get('/track/lt_other', { 'User-Agent': CHROME });
    await get('/track/lt_test123456789', { 'User-Agent': CHROME });
    const [a, b] = s.clicks().slice(-2).map((c) => c.click.session_id);
    expect(a).toBe(b);
  });

  it('forwarding headers from an untrusted peer are ignored', async () => {
    await get('/track/lt_other', { 'X-Forwarded-For': '203.0.113.77', 'X-Real-IP': '198.51.100.9' });
    expect(clicksFor('lt_other').at(-1)!.click.ip_address).toBe('127.0.0.0');
  });
});

describe('behind a trusted proxy', () => {
  let p: TestService;
  beforeAll(async () => {
    p = await startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32', CLICKRELAY_PRIVACY_DNT_MODE: 'drop' });
  });
  afterAll(async () => {
    await p.stop();
  });
  const last = () => p.clicks().at(-1)!.click;

  it('takes the client from X-Forwarded-For and truncates IPv6 to /48', async () => {
    await fetch(`${p.base}/track/lt_other`, { redirect: 'manual', headers: { 'X-Forwarded-For': '2001:db8:abcd:1234:5678::1' } });
    expect(last().ip_address).toBe('2001:db8:abcd::');
  });

  it('the client is the rightmost address that is not a trusted proxy', async () => {
    await fetch(`${p.base}/track/lt_other`, { redirect: 'manual', headers: { 'X-Forwarded-For': '203.0.113.5, 198.51.100.23, 127.0.0.1' } });
    expect(last().ip_address).toBe('198.51.100.0');
  });

  it('an IPv4-mapped IPv6 client is stored as IPv4 with the IPv4 prefix', async () => {
    await fetch(`${p.base}/track/lt_other`, { redirect: 'manual', headers: { 'X-Forwarded-For': '::ffff:192.0.2.201' } });
    expect(last().ip_address).toBe('192.0.2.0');
  });

  it('dnt_mode "drop" redirects and stores nothing', async () => {
    const before = p.clicks().length;
    const r = await fetch(`${p.base}/track/lt_other`, { redirect: 'manual', headers: { DNT: '1' } });
    expect(r.status).toBe(302);
    await fetch(`${p.base}/track/lt_other`, { redirect: 'manual' });
    expect(p.clicks().length).toBe(before + 1);
  });
});

describe('hostile requests', () => {
  it('oversized headers cost nothing: at most one click with bounded fields, and the server keeps serving', async () => {
    const before = s.clicks().length;
    const port = Number(new URL(s.base).port);
    const big = 'a'.repeat(64 * 1024);
    const res = await rawRequest(port, `GET /track/lt_other HTTP/1.1\r\nHost: x\r\nUser-Agent: ${big}\r\nReferer: https://x.example/${big}\r\nConnection: close\r\n\r\n`);
    expect([null, 302, 400, 431]).toContain(statusOf(res));
    const added = s.clicks().slice(before);
    expect(added.length).toBeLessThanOrEqual(1);
    for (const c of added) expect(JSON.stringify(c.click).length).toBeLessThan(2000);
    expect((await get('/track/lt_other')).status).toBe(302);
  });

  it('HTTP/1.0 gets a redirect or no answer (uWebSockets.js 20.30 does not speak it), never a 5xx or a crash', async () => {
    const port = Number(new URL(s.base).port);
    expect([null, 302]).toContain(statusOf(await rawRequest(port, 'GET /track/lt_other HTTP/1.0\r\n\r\n', 500)));
    expect((await get('/track/lt_other')).status).toBe(302);
  });

  it('pipelined requests are answered in order, each with its own status', async () => {
    const port = Number(new URL(s.base).port);
    const res = await rawRequest(port, 'GET /track/nope HTTP/1.1\r\nHost: x\r\n\r\nGET /track/a.b HTTP/1.1\r\nHost: x\r\n\r\nHEAD /track/lt_other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([...res.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(['404', '400', '302']);
  });

  it('a request pipelined behind a durable redirect closes the connection (uWS), and the server keeps serving', async () => {
    // uWebSockets.js aborts a connection that sends a request while an answer is pending;
    // RFC 9112 §9.3.2 lets a server close, and clients retry. No click is kept for a request
    // that got no redirect (hostile-framing.test.ts).
    const port = Number(new URL(s.base).port);
    const res = await rawRequest(port, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\n\r\nGET /track/lt_other HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res.match(/HTTP\/1\.1 5\d\d/)).toBeNull();
    expect((await get('/track/lt_other')).status).toBe(302);
  });

  it('a header with control characters in a referrer or user agent is stored cleaned or not at all', async () => {
    const port = Number(new URL(s.base).port);
    await rawRequest(port, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nReferer: https://evil.example/\x01path\r\nUser-Agent: x\x7fy\r\nConnection: close\r\n\r\n');
    const stored = JSON.stringify(s.clicks().at(-1)?.click ?? {});
    expect(stored).not.toMatch(/[\x00-\x1f\x7f]/);
  });
});

describe('admin listener', () => {
  it('answers /healthz, /readyz and Prometheus /metrics', async () => {
    expect((await fetch(`${s.admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.admin}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${s.admin}/metrics`)).text();
    for (const name of ['clickrelay_redirects_total{status="302"}', 'clickrelay_clicks_recorded_total', 'clickrelay_clicks_anonymous_total', 'clickrelay_outbox_commit_seconds_bucket', 'clickrelay_outbox_pending', 'clickrelay_uws_build_info{'])
      expect(m).toContain(name);
    expect(m).toMatch(/clickrelay_uws_build_info\{package="@[^"]+",version="[^"]+",native="true"/);
    // Standalone (links from a file): nothing to report about a main system, not even a 0.
    expect(m).toMatch(/^clickrelay_outbox_writable 1$/m);
    expect(m).not.toContain('clickrelay_main_system_up');
    // The sample links' table: a few hundred bytes of arena plus its slots, never zero once loaded.
    const indexBytes = Number(/^clickrelay_mirror_index_bytes (\d+)$/m.exec(m)?.[1]);
    expect(indexBytes).toBeGreaterThan(0);
    expect(indexBytes).toBeLessThan(64 * 1024);
    // Every recorded click came in some transaction; a transaction holds one click or more.
    const recorded = Number(/^clickrelay_clicks_recorded_total (\d+)$/m.exec(m)?.[1]);
    const transactions = Number(/^clickrelay_outbox_transactions_total (\d+)$/m.exec(m)?.[1]);
    expect(recorded).toBeGreaterThan(0);
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThanOrEqual(recorded);
  });

  it('logs never carry client addresses or query strings', () => {
    const text = JSON.stringify(s.logs);
    // Addresses clients used in this file, raw or truncated, and the query values.
    for (const leak of ['127.0.0.0', '203.0.113', '198.51.100', 'newsletter', 'utm_source', 'mail.google.com']) expect(text).not.toContain(leak);
    expect(s.logs.length).toBeGreaterThan(0);
  });
});

describe('start-up', () => {
  it('a second service on a port in use fails with a clear error instead of sharing it', async () => {
    await expect(startTestService({ CLICKRELAY_SERVER_PORT: new URL(s.base).port })).rejects.toThrow(/public listener could not listen on 127\.0\.0\.1:\d+ \(in use/);
  });
});

describe('client address from the socket', () => {
  it('reads IPv4, IPv4-mapped and IPv6 peers the way the text form did (dual-stack listener)', async () => {
    const v6 = await startTestService({ CLICKRELAY_SERVER_HOST: '::' });
    try {
      const port = v6.service.publicPort;
      expect((await fetch(`http://127.0.0.1:${port}/track/lt_other?utm_content=v4`, { redirect: 'manual' })).status).toBe(302);
      expect((await fetch(`http://[::1]:${port}/track/lt_other?utm_content=v6`, { redirect: 'manual' })).status).toBe(302);
      const byMark = new Map(v6.clicks().map((c) => [c.click.metadata.utm_content, c.click]));
      expect(byMark.get('v4')).toMatchObject({ ip_address: '127.0.0.0', session_id: expect.stringMatching(/^s_/) }); // peer ::ffff:127.0.0.1
      expect(byMark.get('v6')).toMatchObject({ ip_address: '::', session_id: expect.stringMatching(/^s_/) }); // peer ::1, /48
    } finally {
      await v6.stop();
    }
  });
});
