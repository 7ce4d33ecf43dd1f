/**
 * Headless Chromium for every HTML page clickrelay serves: Debian's `chromium`, driven by
 * playwright-core with `executablePath` (no browser download). The flags keep it off the
 * network: this machine has none, and Chromium's background fetches would only fail.
 */
import { chromium as playwright, type Browser } from 'playwright-core';
import { chromium, skipUnless } from './requires.js';

export const chromiumRequirement = chromium();
/** For `describe.skipIf(noChromium)`: true when Chromium is missing outside CI. */
export const noChromium = skipUnless(chromiumRequirement);

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: chromiumRequirement.path!,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
