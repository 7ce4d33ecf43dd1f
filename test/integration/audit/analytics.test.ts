/**
 * Local analytics on the admin listener: the real service, real redirects, then the guide's
 * click_statistics for the link from /api/link-tracking/analytics/:id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

let s: TestService;
beforeAll(async () => {
  s = await startTestService(); // durable: each redirect is answered after its click is committed
});
afterAll(async () => {
  await s.stop();
});

const click = (id: string, headers: Record<string, string>) => fetch(`${s.base}/track/${id}`, { headers, redirect: 'manual' });
const analytics = (id: string) => fetch(`${s.admin}/api/link-tracking/analytics/${id}`);

describe('admin /api/link-tracking/analytics/:id', () => {
  it("answers the guide's click_statistics for a link after real redirects", async () => {
    const started = new Date().toISOString();
    const requests: Record<string, string>[] = [{ 'User-Agent': CHROME }, { 'User-Agent': CHROME }, { 'User-Agent': FIREFOX }, { 'User-Agent': CHROME, DNT: '1' }];
    for (const headers of requests) {
      expect((await click('lt_test123456789', headers)).status).toBe(302);
    }
    expect((await click('lt_other', { 'User-Agent': CHROME })).status).toBe(302);

    const r = await analytics('lt_test123456789');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await r.json()) as { tracking_id: string; click_statistics: Record<string, unknown> };
    expect(body).toEqual({
      tracking_id: 'lt_test123456789',
      click_statistics: {
        total_clicks: 4,
        unique_sessions: 2, // one network: Chrome and Firefox sessions; the DNT click has none
        first_click: expect.any(String),
        last_click: expect.any(String),
        clicks_24h: 4,
        clicks_7d: 4,
        human_clicks: 4,
        scanner_clicks: 0,
        bot_clicks: 0,
      },
    });
    const { first_click, last_click } = body.click_statistics as { first_click: string; last_click: string };
    expect(first_click >= started.slice(0, 19)).toBe(true);
    expect(last_click >= first_click).toBe(true);
  });

  it('answers zeros for a well-formed id without clicks, and 404 for a malformed one', async () => {
    const none = (await (await analytics('lt_never_clicked')).json()) as { click_statistics: Record<string, unknown> };
    expect(none.click_statistics).toEqual({ total_clicks: 0, unique_sessions: 0, first_click: null, last_click: null, clicks_24h: 0, clicks_7d: 0, human_clicks: 0, scanner_clicks: 0, bot_clicks: 0 });
    const bad = await analytics('bad%20id');
    expect(bad.status).toBe(404);
    expect(await bad.json()).toMatchObject({ error: 'not found' });
  });

  it('counts people apart from e-mail security scanners and bots', async () => {
    const id = 'lt_other';
    const before = ((await (await analytics(id)).json()) as { click_statistics: Record<string, number> }).click_statistics;
    // A person; Proofpoint's rewriting host as referrer; Barracuda's own user agent; a crawler; a DNT crawler.
    for (const headers of <Record<string, string>[]>[
      { 'User-Agent': CHROME },
      { 'User-Agent': CHROME, Referer: 'https://urldefense.proofpoint.com/v2/url?u=https-3A__links.example.com' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', DNT: '1' },
    ]) {
      expect((await click(id, headers)).status).toBe(302);
    }
    const after = ((await (await analytics(id)).json()) as { click_statistics: Record<string, number> }).click_statistics;
    expect(after.total_clicks! - before.total_clicks!).toBe(5);
    expect(after.human_clicks! - before.human_clicks!).toBe(1);
    expect(after.scanner_clicks! - before.scanner_clicks!).toBe(2);
    expect(after.bot_clicks! - before.bot_clicks!).toBe(2);
    expect(after.human_clicks! + after.scanner_clicks! + after.bot_clicks!).toBe(after.total_clicks);
  });

  it('is on the admin listener only, never the public one', async () => {
    expect((await fetch(`${s.base}/api/link-tracking/analytics/lt_test123456789`)).status).toBe(404);
  });
});
