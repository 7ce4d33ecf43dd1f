/**
 * Issue #26: a speculation-rules prefetch or prerender must not eat the person's click. In a
 * real headless Chromium, a page like a webmail's lists a tracked link in
 * `<script type="speculationrules">` (eagerness "immediate"), so Chromium fetches it at once
 * with `Sec-Purpose: prefetch` (`prefetch;prerender`). clickrelay answers that 503 (nothing a
 * prefetch cache keeps: only 2xx answers are kept, and a prerender answered with an error is
 * cancelled), so the click reaches clickrelay for real: exactly one click stored, and the
 * browser lands on the target. A prefetch nobody follows stores nothing.
 *
 * The page is served by a small local server on another port (cross-origin, same site), on
 * `localhost` (another site), and, for the same-origin case, by a server that also forwards
 * /track/ to clickrelay, as a reverse proxy in front of it would.
 */
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, noChromium } from '../support/browser.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait-for.js';

const ID = 'lt_prefetched';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(noChromium)('speculation rules in headless Chromium', () => {
  let s: TestService;
  let browser: Browser;
  let destination: Server;
  let mail: Server;
  let mailPort = 0;
  /** Requests the destination saw with a Sec-Purpose header: a prefetch that got past clickrelay. */
  const speculativeLandings: string[] = [];

  beforeAll(async () => {
    destination = createServer((req, res) => {
      if (req.headers['sec-purpose']) speculativeLandings.push(req.url!);
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>landed</title><p>destination</p>');
    });
    const target = `http://127.0.0.1:${await listen(destination)}/job/42`;
    s = await startTestService({}, [{ tracking_id: ID, original_url: target, is_active: true }]);
    const relayPort = s.service.publicPort;

    // GET /mail?action=prefetch|prerender&same=0|1&tag=T: the page with the rules and the link.
    mail = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname.startsWith('/track/')) {
        // Same-origin case: forward to clickrelay with every header (Sec-Purpose included).
        const p = forward({ host: '127.0.0.1', port: relayPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode!, r.headers);
          r.pipe(res);
        });
        req.pipe(p);
        return;
      }
      const action = url.searchParams.get('action') === 'prerender' ? 'prerender' : 'prefetch';
      const path = `/track/${ID}?utm_content=${encodeURIComponent(url.searchParams.get('tag') ?? '')}`;
      const href = url.searchParams.get('same') === '1' ? path : `http://127.0.0.1:${relayPort}${path}`;
      const rules = JSON.stringify({ [action]: [{ source: 'list', urls: [href], eagerness: 'immediate' }] });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><title>mail</title><script type="speculationrules">${rules}</script><p><a id="job" href="${href}">the job</a></p>`);
    });
    mailPort = await listen(mail);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    destination?.close();
    mail?.close();
  });

  const prefetches = async () => {
    const text = await (await fetch(`${s.admin}/metrics`)).text();
    return Number(/^clickrelay_clicks_dropped_total\{reason="prefetch"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const stored = (tag: string) => s.clicks().filter((c) => c.click.metadata.utm_content === tag).length;

  /** Opens the mail page in a fresh context and waits until clickrelay has answered its speculation. */
  const openMail = async (host: string, query: string) => {
    const before = await prefetches();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://${host}:${mailPort}/mail?${query}`);
    await waitFor('clickrelay to see the prefetch', async () => (await prefetches()) > before);
    return { page, context };
  };

  for (const [name, host, query] of [
    ['prefetch, cross-origin (webmail on another port)', '127.0.0.1', 'action=prefetch'],
    ['prefetch, cross-site (webmail on localhost)', 'localhost', 'action=prefetch'],
    ['prefetch, same origin (behind one reverse proxy)', '127.0.0.1', 'action=prefetch&same=1'],
    ['prerender, same origin', '127.0.0.1', 'action=prerender&same=1'],
    ['prerender, cross-origin', '127.0.0.1', 'action=prerender'],
  ] as const) {
    it(`${name}: the click after it is stored exactly once and lands on the target`, async () => {
      const tag = `click-${query}-${host}`;
      const { page, context } = await openMail(host, `${query}&tag=${encodeURIComponent(tag)}`);
      expect(stored(tag), 'a speculation stores nothing').toBe(0);
      await page.click('#job');
      await page.waitForURL(/\/job\/42$/);
      expect(await page.title()).toBe('landed');
      await s.committed();
      expect(stored(tag)).toBe(1);
      expect(speculativeLandings, 'the destination was never fetched speculatively').toEqual([]);
      await context.close();
    }, 60_000);
  }

  it('a prefetch nobody follows stores nothing', async () => {
    const tag = 'no-click';
    const { context } = await openMail('127.0.0.1', `action=prefetch&tag=${tag}`);
    // A click that came after it, as the marker: once it is committed, a stored prefetch would be too.
    const r = await fetch(`${s.base}/track/${ID}?utm_content=marker`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    await s.committed();
    expect(stored('marker')).toBe(1);
    expect(stored(tag)).toBe(0);
    await context.close();
  }, 60_000);
});
