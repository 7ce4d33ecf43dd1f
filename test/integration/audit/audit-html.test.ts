/**
 * `clickrelay audit --html FILE`: one self-contained page a reviewer files, rendered in
 * headless Chromium with JavaScript and the network off: the verdict, the policy table,
 * counts, the chain state, each violation with its click id, clicks per day — and the
 * screenshot shows the per-day chart painted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchBrowser, noChromium } from '../../support/browser.js';
import { countColours, regionOf } from '../../support/screenshot.js';
import { mixedClicks, sqlite, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { cli, dataDirEnv } from './cli.js';

const DAY = 86_400_000;
const BAR = '#0969da';

describe.skipIf(noChromium)('clickrelay audit --html', () => {
  it('writes a self-contained report that names every violation, and renders it', async () => {
    const dir = tempDataDir();
    // Clicks over three days: 4, 3 and 5.
    const now = Date.now();
    const days = [4, 3, 5];
    const clicks = days.flatMap((n, d) => mixedClicks(n, undefined, (i) => new Date(now - (2 - d) * DAY - i * 1000)));
    await writeOutbox(dir, clicks);
    const db = sqlite(dir);
    db.prepare("UPDATE clicks SET ip_address = '198.51.100.23' WHERE seq = 2").run();
    db.prepare(`UPDATE clicks SET metadata = '{"utm_source":"x","<script>alert(1)</script>":"y"}' WHERE seq = 6`).run();
    db.close();

    const file = join(tmpdir(), `clickrelay-audit-${process.pid}.html`);
    const r = await cli(['audit', '--html', file], dataDirEnv(dir, { CLICKRELAY_PRIVACY_USER_AGENT: 'full' }));
    expect(r.code).toBe(1);
    const html = readFileSync(file, 'utf8');
    // Self-contained: nothing loaded from anywhere, no script, and the injected value escaped.
    expect(html).not.toMatch(/<script|<link |src="|href="http/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true, viewport: { width: 1000, height: 900 } });
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href);
      const text = (sel: string) => page.locator(sel).innerText();
      expect(await text('#verdict')).toMatch(/^FAILED — \d+ violations/);
      expect(await text('#policy')).toMatch(/privacy\.ipv4_prefix\s+\/24/);
      expect(await text('#policy')).toMatch(/privacy\.user_agent\s+full/);
      expect(await text('#weakened')).toContain('The full User-Agent header is stored');
      expect(await text('#counts')).toMatch(/records\s+12/);
      expect(await text('#chain')).toMatch(/hash chain\s+BROKEN/);
      const ipRows = await page.locator('table.violations[data-rule="ip_prefix"]').innerText();
      expect(ipRows).toContain(clicks[1]!.click_id);
      const metaRows = await page.locator('table.violations[data-rule="metadata_keys"]').innerText();
      expect(metaRows).toContain(clicks[5]!.click_id);
      expect(metaRows).toContain('<script>alert(1)</script>'); // shown as text, not run
      const perDay = await text('#by-day');
      for (const n of days) expect(perDay).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d\\s+${n}\\b`));

      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(file.replace(/\.html$/, '.png'), shot);
      const box = (await page.locator('figure svg').boundingBox())!;
      const painted = await countColours(browser, shot, [BAR], regionOf(box));
      expect(painted[BAR]).toBeGreaterThan(100);
      const verdict = (await page.locator('#verdict').boundingBox())!;
      const red = await countColours(browser, shot, ['#ffebe9'], regionOf(verdict));
      expect(red['#ffebe9']! / (verdict.width * verdict.height)).toBeGreaterThan(0.5);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a clean outbox gives a PASSED page', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(5));
    const file = join(tmpdir(), `clickrelay-audit-ok-${process.pid}.html`);
    const r = await cli(['audit', '--html', file], dataDirEnv(dir));
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('id="verdict">PASSED — no violations</div>');
  });
});
