/**
 * The admin listener's status page, on a real serve, in headless Chromium with JavaScript
 * off: the figures it must show (mirror size, backlog, recent clicks, the policy with its
 * weakened setting, the chain), the chart actually painted with both series, and the same
 * token rule as every admin route.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, noChromium } from '../../support/browser.js';
import { freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { countColours, regionOf } from '../../support/screenshot.js';
import { waitFor } from '../../support/wait-for.js';
import { CHROME, GOOGLEBOT } from '../../unit/audit/helpers.js';

const TOKEN = 'status-page-token-0123456789';
const PEOPLE = '#0969da';
const BOTS = '#bf8700';

describe.skipIf(noChromium)('admin status page (GET /)', () => {
  let child: Child;
  let dir: string;
  let admin: number;
  let pub: number;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    // Not tempDataDir(): that one is removed after each test, and this serve outlives several.
    dir = mkdtempSync(join(tmpdir(), 'clickrelay-status-page-'));
    const tokenFile = join(dir, 'admin-token');
    writeFileSync(tokenFile, TOKEN);
    admin = await freePort();
    pub = await freePort();
    child = runCli(['serve'], {
      CLICKRELAY_STORAGE_DATA_DIR: dir,
      CLICKRELAY_SERVER_PORT: String(pub),
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_ADMIN_TOKEN_FILE: tokenFile,
      CLICKRELAY_SYNC_FILE: resolve('config/links.example.json'),
      CLICKRELAY_PRIVACY_IPV4_PREFIX: '32',
      // One serving thread: the page's backlog and last-hour figures read outbox.db and this
      // thread's click rate; every shard's share in them comes with the shard set (#22, open point).
      CLICKRELAY_SERVER_THREADS: '1',
    });
    // Ready (a mirror is loaded) comes a moment before the sync's outcome is recorded.
    await waitFor('the start-up sync recorded (sync_done)', () => child.proc.exitCode !== null || child.output().includes('"event":"sync_done"'));
    if (child.proc.exitCode !== null) throw new Error(child.output());
    for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${pub}/track/lt_test123456789`, { redirect: 'manual', headers: { 'User-Agent': CHROME } });
    for (let i = 0; i < 3; i++) await fetch(`http://127.0.0.1:${pub}/track/lt_test123456789`, { redirect: 'manual', headers: { 'User-Agent': GOOGLEBOT } });
  }, 40_000);

  afterAll(async () => {
    child?.proc.kill('SIGTERM');
    await child?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only with the admin token, as HTML that loads nothing', async () => {
    expect((await fetch(`http://127.0.0.1:${admin}/`)).status).toBe(401);
    const r = await fetch(`http://127.0.0.1:${admin}/`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await r.text();
    expect(html).not.toMatch(/<script|src="http|href="http/i);
  });

  it('shows the figures and paints the chart, with JavaScript off', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: auth, viewport: { width: 1000, height: 900 } });
      const page = await context.newPage();
      const res = await page.goto(`http://127.0.0.1:${admin}/`);
      expect(res?.status()).toBe(200);
      const text = (sel: string) => page.locator(sel).innerText();
      expect(await text('#links')).toBe('5'); // config/links.example.json
      expect(await text('#backlog')).toBe('8');
      expect(await text('#last-hour')).toBe('8');
      expect(await text('#outbox-kept')).toContain('8 clicks');
      expect(await text('#shipping-state')).toContain('standalone');
      expect(await text('#last-sync')).toMatch(/\d{4}-\d\d-\d\dT/);
      expect(await text('#weakened')).toContain('1 privacy setting is weaker than the defaults');
      expect(await text('#policy')).toMatch(/privacy\.ipv4_prefix\s+32 weaker than the default 24/);
      expect(await text('#chain')).toContain('tip at position 8');
      expect(await page.locator('figure svg desc').textContent()).toBe('people 5, bots 3');

      const shot = await page.screenshot({ fullPage: true });
      const file = join(tmpdir(), `clickrelay-status-page-${process.pid}.png`);
      writeFileSync(file, shot);
      // The painted chart: both series present, people (5) taller than bots (3).
      const box = (await page.locator('figure svg').boundingBox())!;
      const chart = await countColours(browser, shot, [PEOPLE, BOTS], regionOf(box));
      expect(chart[PEOPLE], file).toBeGreaterThan(0);
      expect(chart[BOTS], file).toBeGreaterThan(0);
      expect(chart[PEOPLE]! / chart[BOTS]!).toBeCloseTo(5 / 3, 0);
      // The figures are painted inside the page, not pushed out of view.
      for (const sel of ['#links', '#backlog', '#last-hour', '#weakened']) expect(await page.locator(sel).isVisible(), sel).toBe(true);
      const banner = (await page.locator('#weakened').boundingBox())!;
      const amber = await countColours(browser, shot, ['#fff8c5'], regionOf(banner));
      expect(amber['#fff8c5']! / (banner.width * banner.height)).toBeGreaterThan(0.5);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
