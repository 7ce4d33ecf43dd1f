/**
 * The guide's `GET /api/link-tracking/analytics/{tracking_id}` on the admin listener, checked
 * field by field against the guide's text ("Response Structure", "Error Handling"): the real
 * service, a real mirror synced from a links file holding the guide's own example link and
 * its sample test link, real redirects recorded in the real outbox.
 */
import { mkdtempSync, openSync, readSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUIDE_LINK, GUIDE_LINK_INFO } from '../../support/guide-link.js';
import { CHROME, FIREFOX, GOOGLEBOT } from '../../support/privacy.js';
import { SAMPLE_LINKS, startTestService, type TestService } from '../../support/service.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;


const TOKEN = 'guide-admin-token';
let s: TestService;
beforeAll(async () => {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'cr-analytics-')), 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  // durable: each redirect is answered after its click is committed
  // description is the main system's free text: the mirror keeps it only when asked to.
  s = await startTestService({ CLICKRELAY_ADMIN_TOKEN_FILE: tokenFile, CLICKRELAY_SYNC_STORE_DESCRIPTIONS: 'true' }, [GUIDE_LINK, ...SAMPLE_LINKS]);
});
afterAll(async () => {
  await s.stop();
});

const click = (id: string, headers: Record<string, string>) => fetch(`${s.base}/track/${id}`, { headers, redirect: 'manual' });
/** As the guide's client sends it: `Authorization: Bearer …`, `Content-Type: application/json`. */
const analytics = (id: string, auth = `Bearer ${TOKEN}`) =>
  fetch(`${s.admin}/api/link-tracking/analytics/${id}`, { headers: { Authorization: auth, 'Content-Type': 'application/json' } });

describe("admin GET /api/link-tracking/analytics/{tracking_id}: the guide's Response Structure", () => {
  it('answers link_info from the mirror and click_statistics from the outbox, field by field', async () => {
    const started = new Date().toISOString();
    const visits: Record<string, string>[] = [{ 'User-Agent': CHROME }, { 'User-Agent': CHROME }, { 'User-Agent': FIREFOX }, { 'User-Agent': CHROME, DNT: '1' }, { 'User-Agent': GOOGLEBOT }];
    for (const headers of visits) {
      expect((await click('lt_abc123def456', headers)).status).toBe(302);
    }
    expect((await click('lt_other', { 'User-Agent': CHROME })).status).toBe(302);

    const r = await analytics('lt_abc123def456');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await r.json()) as Record<string, Record<string, unknown>>;
    // The guide's two keys, and clickrelay's click_quality beside them (not in the guide).
    expect(Object.keys(body)).toEqual(['link_info', 'click_statistics', 'click_quality']);
    expect(body.link_info).toStrictEqual(GUIDE_LINK_INFO);
    const st = body.click_statistics!;
    expect(Object.keys(st)).toEqual(['total_clicks', 'unique_sessions', 'first_click', 'last_click', 'clicks_24h', 'clicks_7d']);
    expect(st).toStrictEqual({
      total_clicks: 5,
      unique_sessions: 3, // one network: Chrome, Firefox and Googlebot sessions; the DNT click has none
      first_click: expect.stringMatching(ISO),
      last_click: expect.stringMatching(ISO),
      clicks_24h: 5,
      clicks_7d: 5,
    });
    expect((st.first_click as string) >= started.slice(0, 19)).toBe(true);
    expect((st.last_click as string) >= (st.first_click as string)).toBe(true);
    expect(body.click_quality).toStrictEqual({ human_clicks: 4, automated_clicks: 1, scanner_clicks: 0, bot_clicks: 1 });
  });

  it('a link the mirror holds without the optional fields answers them as null, and an inactive link as is_active: false', async () => {
    const r = await analytics('lt_inactive');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { link_info: unknown; click_statistics: unknown };
    expect(body.link_info).toStrictEqual({
      tracking_id: 'lt_inactive', original_url: 'https://example.com/old', link_function: null, link_type: null, job_id: null, application_id: null, is_active: false, description: null,
    });
    expect(body.click_statistics).toStrictEqual({ total_clicks: 0, unique_sessions: 0, first_click: null, last_click: null, clicks_24h: 0, clicks_7d: 0 });
  });

  it("the guide's own LinkRedirectHandler.getLinkData reads link_info, and gets null for a link that does not exist", async () => {
    // The guide's "External Domain Redirect Handler (Minimal)", getLinkData as written there.
    const apiBaseUrl = s.admin;
    const apiKey = TOKEN;
    async function getLinkData(trackingId: string): Promise<{ original_url: string; is_active: boolean } | null> {
      const response = await fetch(`${apiBaseUrl}/api/link-tracking/analytics/${trackingId}`, {
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      });
      if (response.ok) {
        const data = (await response.json()) as { link_info: { original_url: string; is_active: boolean } };
        return data.link_info;
      }
      return null;
    }
    const linkData = await getLinkData('lt_test123456789');
    expect(linkData).toMatchObject({ original_url: 'https://linkedin.com/in/steve-glen', is_active: true });
    expect(await getLinkData('lt_inactive')).toMatchObject({ is_active: false }); // the handler's "!linkData.is_active"
    expect(await getLinkData('lt_does_not_exist')).toBeNull();
  });

  it('the bearer scheme is case-insensitive (RFC 9110 §11.1); a wrong token or scheme is 401', async () => {
    for (const auth of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer  ${TOKEN}`]) expect((await analytics('lt_test123456789', auth)).status, auth).toBe(200);
    for (const auth of ['', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer${TOKEN}`, TOKEN]) expect((await analytics('lt_test123456789', auth)).status, auth).toBe(401);
  });
});

describe("admin analytics: the guide's Error Handling shapes", () => {
  it('an id unknown to the mirror is the guide\'s "Link Not Found (404)"', async () => {
    const r = await analytics('lt_abc123def999');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await r.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'tracking_id', 'timestamp']);
    expect(body).toStrictEqual({ error: 'Link not found or expired', tracking_id: 'lt_abc123def999', timestamp: expect.stringMatching(ISO) });
  });

  it('a malformed id is the guide\'s "Invalid Request (400)", never echoed back', async () => {
    for (const id of ['bad%20id', 'a.b', '%3Cscript%3E', 'a'.repeat(101)]) {
      const r = await analytics(id);
      expect(r.status, id).toBe(400);
      const text = await r.text();
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['error', 'required_fields', 'timestamp']);
      expect(body).toStrictEqual({ error: expect.stringMatching(/^Invalid field: tracking_id/), required_fields: ['tracking_id'], timestamp: expect.stringMatching(ISO) });
      expect(text).not.toContain('script');
    }
  });

  it('a missing id is "Missing required field: tracking_id" with required_fields', async () => {
    for (const path of ['/api/link-tracking/analytics/', '/api/link-tracking/analytics']) {
      const r = await fetch(`${s.admin}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(r.status, path).toBe(400);
      expect(await r.json()).toStrictEqual({ error: 'Missing required field: tracking_id', required_fields: ['tracking_id'], timestamp: expect.stringMatching(ISO) });
    }
  });

  it('counts people apart from e-mail security scanners and bots', async () => {
    const id = 'lt_other';
    const counts = async () => {
      const body = (await (await analytics(id)).json()) as { click_statistics: Record<string, number>; click_quality: Record<string, number> };
      return { ...body.click_statistics, ...body.click_quality };
    };
    const before = await counts();
    // A person; Proofpoint's fetch (its user agent, its rewriting host as referrer); Barracuda's own
    // user agent; a crawler; a DNT crawler; a person continuing from Proofpoint's page (a referrer
    // alone is no scanner, issue #24).
    for (const headers of <Record<string, string>[]>[
      { 'User-Agent': CHROME },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Proofpoint URL Defense)', Referer: 'https://urldefense.proofpoint.com/v2/url?u=https-3A__links.example.com' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', DNT: '1' },
      { 'User-Agent': CHROME, Referer: 'https://urldefense.proofpoint.com/v2/url?u=https-3A__links.example.com' },
    ]) {
      expect((await click(id, headers)).status).toBe(302);
    }
    const after = await counts();
    expect(after.total_clicks! - before.total_clicks!).toBe(6);
    expect(after.human_clicks! - before.human_clicks!).toBe(2);
    expect(after.scanner_clicks! - before.scanner_clicks!).toBe(2);
    expect(after.bot_clicks! - before.bot_clicks!).toBe(2);
    expect(after.human_clicks! + after.scanner_clicks! + after.bot_clicks!).toBe(after.total_clicks);
  });

  it('is on the admin listener only, never the public one', async () => {
    expect((await fetch(`${s.base}/api/link-tracking/analytics/lt_test123456789`)).status).toBe(404);
  });
});

describe('admin analytics: "Server Error (500)"', () => {
  let broken: TestService;
  beforeAll(async () => {
    broken = await startTestService();
    // Corrupt every page of mirror.db after the first, in place: the schema (page 1) still
    // opens, the link table cannot be read. Same inode, so the serving index is left alone.
    const path = join(broken.dataDir, 'mirror.db');
    const fd = openSync(path, 'r+');
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
    const size = statSync(path).size;
    writeSync(fd, Buffer.alloc(size - pageSize, 0xa5), 0, size - pageSize, pageSize);
    closeSync(fd);
  });
  afterAll(async () => {
    await broken.stop();
  });

  it('a mirror that cannot be read answers the guide\'s 500 with a message, no path, no stack; the log has the detail', async () => {
    const r = await fetch(`${broken.admin}/api/link-tracking/analytics/lt_test123456789`);
    expect(r.status).toBe(500);
    const text = await r.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'message', 'timestamp']);
    expect(body).toStrictEqual({ error: 'Internal server error', message: 'Link mirror could not be read', timestamp: expect.stringMatching(ISO) });
    expect(text).not.toMatch(/mirror\.db|\/tmp|at .*\.ts|SQLITE|malformed/i);
    const logged = broken.logs.find((l) => l.event === 'admin_route_failed');
    expect(logged).toMatchObject({ code: 'CR_ERR_ANALYTICS_READ', part: 'mirror' });
    expect(JSON.stringify(logged)).toMatch(/malformed|not a database|corrupt/i);
    // The redirects keep working from the in-memory index.
    expect((await fetch(`${broken.base}/track/lt_test123456789`, { redirect: 'manual' })).status).toBe(302);
  });
});
