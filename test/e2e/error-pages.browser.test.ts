/**
 * The pages a person clicking a link may see instead of the destination, in headless Chromium:
 * each says what happened and gives one line of help, and the 429 page gets the person to the
 * link by itself once Retry-After has passed. Screenshots go to the test's temp dir and are
 * checked to be real, non-empty PNGs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, noChromium } from '../support/browser.js';
import { skippingClock } from '../support/clock.js';
import { SAMPLE_LINKS, startTestService, type TestService } from '../support/service.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe.skipIf(noChromium)('error pages in a browser', () => {
  const shots = mkdtempSync(join(tmpdir(), 'cr-pages-'));
  let destination: Server;
  let destinationUrl: string;
  let s: TestService;
  // The bucket refills by this clock: the 429 test skips it ahead instead of waiting for a token.
  const clock = skippingClock();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // The link's destination, on this machine: the browser has no network beyond it.
    destination = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Arrived</title><h1>Arrived at the destination</h1>'));
    await new Promise<void>((r) => destination.listen(0, '127.0.0.1', r));
    destinationUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/profile`;
    s = await startTestService(
      // One click a second per network, no burst: the second click in a row is a 429.
      { CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '1', CLICKRELAY_SERVER_RATE_LIMIT_BURST: '1' },
      [...SAMPLE_LINKS, { tracking_id: 'lt_local', original_url: destinationUrl, is_active: true }],
      { clock: clock.now },
    );
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await new Promise((r) => destination?.close(r));
  });

  /** Saves a screenshot and checks it is a PNG with something in it. */
  const screenshot = async (name: string) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE), path).toBe(true);
    expect(png.length, path).toBeGreaterThan(2_000); // a blank page compresses to a few hundred bytes
    return path;
  };
  const visibleText = () => page.locator('body').innerText();

  it('404: an unknown link says so, with one line of help', async () => {
    const r = await page.goto(`${s.base}/track/lt_unknown_link`);
    expect(r?.status()).toBe(404);
    expect(await page.title()).toBe('Link not found or expired');
    const text = await visibleText();
    expect(text).toContain('This link does not exist or is no longer active.');
    expect(text).toContain('ask its sender for a current link');
    await screenshot('404');
  });

  it('400: a malformed link says so, with one line of help', async () => {
    const r = await page.goto(`${s.base}/track/lt_broken.link`);
    expect(r?.status()).toBe(400);
    expect(await page.title()).toBe('Invalid link');
    const text = await visibleText();
    expect(text).toContain('This link is malformed.');
    expect(text).toContain('open it again from the original message');
    await screenshot('400');
  });

  it('429: the page says it retries, and reaches the link by itself after Retry-After', async () => {
    clock.advance(1_100); // a full bucket
    const first = await page.goto(`${s.base}/track/lt_local`);
    expect(first?.status()).toBe(200);
    expect(page.url()).toBe(destinationUrl);

    const limited = await page.goto(`${s.base}/track/lt_local`);
    expect(limited?.status()).toBe(429);
    const retryAfter = Number(limited?.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe(String(retryAfter));
    const text = await visibleText();
    expect(text).toContain('Too many requests');
    expect(text).toContain(`tries again by itself in ${retryAfter} second`);
    await screenshot('429');

    // Nobody clicks anything: the refresh asks again once the bucket has a token.
    await page.waitForURL(destinationUrl, { timeout: (retryAfter + 5) * 1_000 });
    expect(await visibleText()).toContain('Arrived at the destination');
    expect(s.clicks().filter((c) => c.click.tracking_id === 'lt_local')).toHaveLength(2); // the 429 recorded nothing
  });
});
