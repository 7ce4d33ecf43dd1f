/**
 * The opt-out page in a real headless Chromium, with JavaScript off (the page must work
 * without it): visit, opt out, follow a tracked link (redirected, stored as anonymous),
 * opt in again, follow it again (stored normally). The screenshots a reviewer looks at are
 * written to a temp folder; CLICKRELAY_TEST_SCREENSHOT_DIR=docs/screenshots refreshes the copies
 * the README shows (a test run must not rewrite tracked files).
 */
import { mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, noChromium } from '../support/browser.js';
import { startTestService, type TestService } from '../support/service.js';

const SHOTS = process.env.CLICKRELAY_TEST_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'cr-shots-'));

describe.skipIf(noChromium)('opt-out page in headless Chromium', () => {
  let s: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let destination: Server;

  beforeAll(async () => {
    // The tracked link's destination: a local page (this machine has no internet, and a
    // browser's route interception does not see the target of a redirect).
    destination = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>landed</title><p>destination</p>'));
    await new Promise<void>((resolve) => destination.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/job/42`;
    s = await startTestService({}, [{ tracking_id: 'lt_test123456789', original_url: url, is_active: true }]);
    browser = await launchBrowser();
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 1100 } });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    destination?.close();
  });

  const follow = async () => {
    const before = s.clicks().length;
    await page.goto(`${s.base}/track/lt_test123456789?utm_source=mail`);
    expect(await page.title()).toBe('landed'); // redirected, opted out or not
    const clicks = s.clicks();
    expect(clicks.length).toBe(before + 1);
    return clicks.at(-1)!.click;
  };

  it('explains what is recorded, and sets no cookie on a visit', async () => {
    const r = await page.goto(`${s.base}/privacy/opt-out`);
    expect(r!.status()).toBe(200);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your clicks are recorded');
    const table = await page.locator('table').innerText();
    for (const field of ['ip_address', 'user_agent', 'referrer_url', 'session_id', 'metadata']) expect(table).toContain(field);
    expect(table).toContain('203.0.113.0'); // the notice's example, computed from the policy in force
    expect(await context.cookies()).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'opt-out.png'), fullPage: true });
    expect(statSync(join(SHOTS, 'opt-out.png')).size).toBeGreaterThan(20_000);
  });

  it('opting out sets one cookie without an identifier, and clicks are then stored anonymous', async () => {
    // privacy.dnt_mode = "count" (the default): an opted-out click is still counted, and the button says so (#25).
    await page.getByRole('button', { name: 'Count my clicks without personal data' }).click();
    await page.waitForURL(`${s.base}/privacy/opt-out`); // post → 303 → the page again
    await expect(page.getByRole('status').textContent()).resolves.toContain('You have opted out.');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'clickrelay_opt_out', value: '1', path: '/', httpOnly: true, sameSite: 'Lax' });
    await page.screenshot({ path: join(SHOTS, 'opted-out.png'), fullPage: true });

    const c = await follow();
    expect(c).toMatchObject({ anonymous: true, ip_address: null, user_agent: null, referrer_url: null, session_id: null, metadata: { utm_source: 'mail' } });
  });

  it('a form on another origin (same site, another port) cannot opt the visitor back in (#26)', async () => {
    // Chromium calls this post same-site (Sec-Fetch-Site), with the other page's Origin.
    const foreign = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<title>other</title><form method="post" action="${s.base}/privacy/opt-in"><button>Win a prize</button></form>`),
    );
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const [answer] = await Promise.all([page.waitForResponse(`${s.base}/privacy/opt-in`), page.getByRole('button', { name: 'Win a prize' }).click()]);
      expect(answer.status()).toBe(403);
      expect((await context.cookies()).map((c) => c.name)).toEqual(['clickrelay_opt_out']);
    } finally {
      foreign.close();
    }
  });

  it('opting in deletes the cookie, and clicks are recorded again', async () => {
    await page.goto(`${s.base}/privacy/opt-in`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('You have opted out.');
    // Showing the page deletes nothing: only its button's post does.
    expect((await context.cookies()).map((c) => c.name)).toEqual(['clickrelay_opt_out']);
    await page.getByRole('button', { name: 'Record my clicks in full again' }).click();
    await page.waitForURL(`${s.base}/privacy/opt-in`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your clicks are recorded');
    expect(await context.cookies()).toEqual([]);

    const c = await follow();
    expect(c).toMatchObject({ anonymous: false, ip_address: '127.0.0.0' });
    expect(c.session_id).toMatch(/^s_/);
  });
});

/**
 * The words per privacy.dnt_mode, as a visitor reads them (#25): the visible text of the page
 * says what happens in that mode, who runs the service and whom to ask, with no Markdown
 * backticks and no pointer to a section that is not where it says.
 */
describe.skipIf(noChromium)('opt-out page words per dnt_mode, in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const mode of ['count', 'drop'] as const) {
    it(`says plainly what opting out does under dnt_mode = "${mode}"`, async () => {
      const s = await startTestService({ CLICKRELAY_PRIVACY_DNT_MODE: mode, CLICKRELAY_PRIVACY_OPERATOR_NAME: 'Example Jobs Ltd', CLICKRELAY_PRIVACY_OPERATOR_CONTACT: 'privacy@jobs.example.com' });
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 1100 } });
      try {
        const page = await context.newPage();
        await page.goto(`${s.base}/privacy/opt-out`);
        const text = await page.locator('body').innerText();
        expect(text).not.toContain('`');
        expect(text).not.toMatch(/\((above|below)\)/);
        expect(text).toContain('This link service is run by Example Jobs Ltd. Questions about your click data, or a request to see or delete it: privacy@jobs.example.com.');
        await expect(page.getByRole('link', { name: 'privacy@jobs.example.com' }).getAttribute('href')).resolves.toBe('mailto:privacy@jobs.example.com');
        if (mode === 'count') {
          await expect(page.getByRole('button').innerText()).resolves.toBe('Count my clicks without personal data');
          expect(text).not.toContain('Do not record my clicks');
          expect(text).not.toContain('not recorded at all');
        } else {
          await expect(page.getByRole('button').innerText()).resolves.toBe('Do not record my clicks');
          expect(text).not.toContain('still counted');
        }
        await page.screenshot({ path: join(SHOTS, `opt-out-${mode}.png`), fullPage: true });

        await page.getByRole('button').click();
        await page.waitForURL(`${s.base}/privacy/opt-out`);
        const out = await page.getByRole('status').innerText();
        expect(out).toContain(mode === 'count' ? 'your clicks on tracked links are still counted, but nothing that could tell your clicks apart' : 'your clicks on tracked links are not recorded at all');
        await page.screenshot({ path: join(SHOTS, `opted-out-${mode}.png`), fullPage: true });
      } finally {
        await context.close();
        await s.stop();
      }
    }, 60_000);
  }

  it('says when the operator gave no name or contact', async () => {
    const s = await startTestService();
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${s.base}/privacy/opt-out`);
      expect(await page.locator('body').innerText()).toContain('The operator of this link service has not given their name here. No contact address is given here either: ask whoever sent you the link who runs it.');
    } finally {
      await context.close();
      await s.stop();
    }
  }, 60_000);
});
