/**
 * The integration guide's own checks, named as the guide names them ("Testing and Validation":
 * Test Cases for External Domain, Sample Test Data; "Support and Troubleshooting": Monitoring
 * Metrics), run against both sides for real: the reference main system over HTTP, clickrelay
 * serve with real listeners, the mirror synced from the main system, clicks shipped to it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceUserAgent } from '../../src/privacy/index.js';
import { startRefMainSystem, type RefMainSystem } from '../support/ref-main-system/server.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor as until } from '../support/wait-for.js';

/** The guide's "Sample Test Data", verbatim. */
const SAMPLE = {
  test_tracking_id: 'lt_test123456789',
  test_original_url: 'https://linkedin.com/in/steve-glen',
  test_click_data: {
    tracking_id: 'lt_test123456789',
    clicked_at: '2025-07-27T21:30:00Z',
    ip_address: '192.168.1.100',
    user_agent: 'Mozilla/5.0 Test Browser',
    click_source: 'test',
  },
};
const GUIDE_CLICK_SOURCES = ['email', 'dashboard', 'linkedin', 'indeed', 'direct', 'external'];
const KEY = 'guide-test-key';

let main: RefMainSystem;
let s: TestService;

beforeAll(async () => {
  main = await startRefMainSystem({ apiKey: KEY });
  main.addLinks([
    { tracking_id: SAMPLE.test_tracking_id, original_url: SAMPLE.test_original_url, is_active: true, link_function: 'LinkedIn', link_type: 'profile' },
    { tracking_id: 'lt_deactivated', original_url: 'https://example.com/closed-posting', is_active: false },
  ]);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'cr-guide-')), 'key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  s = await startTestService({
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile,
    CLICKRELAY_SYNC_FILE: '',
    CLICKRELAY_SHIPPER_LINGER_MS: '20',
    // The test client arrives through a local proxy, which is the only peer believed.
    CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32',
  });
});
afterAll(async () => {
  await s?.stop();
  await main?.close();
});

const visit = (id: string, headers: Record<string, string> = {}) => fetch(`${s.base}/track/${id}`, { redirect: 'manual', headers: { Accept: 'text/html', ...headers } });
const shippedFor = (id: string) => main.clicks().filter((c) => c.tracking_id === id);

describe('Integration guide — Test Cases for External Domain', () => {
  it('1. Valid Link Redirect: a valid tracking_id redirects, and its click is recorded', async () => {
    const before = s.clicks().length;
    const r = await visit(SAMPLE.test_tracking_id);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(SAMPLE.test_original_url);
    expect(s.clicks().length).toBe(before + 1); // durable: on disk before the redirect was sent
  });

  it('2. Invalid Link Handling: a non-existent tracking_id displays the error page', async () => {
    const r = await visit('lt_does_not_exist');
    expect(r.status).toBe(404);
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await r.text();
    expect(html).toContain('<h1>Link not found or expired</h1>');
    expect(html).toMatch(/<p class="help">[^<]+<\/p>/);
  });

  it('3. Inactive Link Handling: a deactivated tracking_id displays the error page, nothing recorded', async () => {
    const before = s.clicks().length;
    const r = await visit('lt_deactivated');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await r.text()).toContain('<h1>Link not found or expired</h1>');
    expect(s.clicks().length).toBe(before);
  });

  it('4. Click Recording: valid click data is recorded in the database (outbox.db, then the main system\'s link_clicks)', async () => {
    const r = await visit(SAMPLE.test_tracking_id, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', Referer: 'https://mail.google.com/mail/u/0/' });
    expect(r.status).toBe(302);
    const local = s.clicks().at(-1)!.click;
    expect(local).toMatchObject({ tracking_id: SAMPLE.test_tracking_id, click_source: 'email', referrer_url: 'https://mail.google.com', user_agent: 'Firefox 121; Linux' });
    await until('the click to reach the main system', () => main.clicks().some((c) => c.click_id === local.click_id));
    const remote = main.clicks().find((c) => c.click_id === local.click_id)!;
    // The guide's "Essential Fields for Click Tracking" and its recommended ones, as recorded.
    expect(remote).toMatchObject({ tracking_id: SAMPLE.test_tracking_id, clicked_at: local.clicked_at, click_source: 'email', referrer_url: 'https://mail.google.com', session_id: local.session_id });
  });
});

describe('Integration guide — Sample Test Data', () => {
  it('test_tracking_id lt_test123456789 redirects to test_original_url', async () => {
    const r = await visit(SAMPLE.test_tracking_id);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(SAMPLE.test_original_url);
  });

  it('test_click_data: a click from 192.168.1.100 with "Mozilla/5.0 Test Browser" is recorded and shipped with the guide\'s fields, anonymized', async () => {
    const d = SAMPLE.test_click_data;
    const started = new Date().toISOString();
    // `src=test` asks for the sample's click_source "test"; it is not one of the guide's
    // "Click Source Categories", so it is not taken: the click has no referrer, hence "direct".
    const r = await fetch(`${s.base}/track/${d.tracking_id}?src=${d.click_source}`, { redirect: 'manual', headers: { 'User-Agent': d.user_agent, 'X-Forwarded-For': d.ip_address } });
    expect(r.status).toBe(302);
    const local = s.clicks().at(-1)!.click;
    await until('the test click to reach the main system', () => main.clicks().some((c) => c.click_id === local.click_id));
    const shipped = main.clicks().find((c) => c.click_id === local.click_id)!;
    expect(shipped.tracking_id).toBe(d.tracking_id);
    expect(shipped.clicked_at >= started.slice(0, 19)).toBe(true); // when it happened, not the sample's 2025 date
    expect(shipped.ip_address).toBe('192.168.1.0'); // truncated to /24 before it is stored
    expect(shipped.user_agent).toBe(reduceUserAgent(d.user_agent, 'reduced'));
    expect(GUIDE_CLICK_SOURCES).toContain(shipped.click_source);
    expect(shipped.click_source).toBe('direct');
    expect(JSON.stringify(shippedFor(d.tracking_id))).not.toContain('192.168.1.100');
  });
});

describe('Integration guide — Monitoring Metrics, under clickrelay\'s names', () => {
  const metric = (text: string, name: string): number | null => {
    const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };

  it('click recording success rate, average redirect response time, database connection health, API error rate', async () => {
    // Enough redirects for the sampled response-time histogram (one request in 16 is timed).
    for (let i = 0; i < 40; i++) expect((await visit(SAMPLE.test_tracking_id)).status).toBe(302);
    expect((await visit('lt_does_not_exist')).status).toBe(404);
    await until('the clicks to be shipped', () => shippedFor(SAMPLE.test_tracking_id).length >= 40);
    const text = await (await fetch(`${s.admin}/metrics`)).text();

    // Click recording success rate = recorded / (recorded + write errors)
    expect(metric(text, 'clickrelay_clicks_recorded_total')).toBeGreaterThanOrEqual(40);
    expect(metric(text, 'clickrelay_click_write_errors_total')).toBe(0);
    // Average redirect response time = rate(_sum) / rate(_count)
    const count = metric(text, 'clickrelay_redirect_duration_seconds_count')!;
    const sum = metric(text, 'clickrelay_redirect_duration_seconds_sum')!;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(sum).toBeGreaterThan(0);
    expect(sum / count).toBeLessThan(5); // seconds: a mean, not a counter gone astray
    // Database connection health: the outbox is writable, the main system answers
    expect(metric(text, 'clickrelay_outbox_writable')).toBe(1);
    expect(metric(text, 'clickrelay_main_system_up')).toBe(1);
    // API error rate: answers by status on /track, retried calls to the main system
    expect(metric(text, 'clickrelay_redirects_total{status="404"}')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'clickrelay_redirects_total{status="302"}')).toBeGreaterThanOrEqual(40);
    expect(text).toMatch(/^# TYPE clickrelay_shipper_retries_total counter$/m);
  });

  it('database connection health drops to 0 while the main system is down, and back to 1 once it answers', async () => {
    await main.setDown(true);
    try {
      expect((await visit(SAMPLE.test_tracking_id)).status).toBe(302); // redirects go on from the mirror
      await until('a failed shipment to be noticed', () => s.logs.some((l) => l.event === 'ship_retry'));
      const down = await (await fetch(`${s.admin}/metrics`)).text();
      expect(metric(down, 'clickrelay_main_system_up')).toBe(0);
    } finally {
      await main.setDown(false);
    }
    await until('the backlog to drain', () => s.clicks().every((c) => c.state === 'shipped'));
    const up = await (await fetch(`${s.admin}/metrics`)).text();
    expect(metric(up, 'clickrelay_main_system_up')).toBe(1);
  });
});
