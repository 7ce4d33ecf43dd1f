/**
 * The inputs the privacy and audit tests share: real browsers' and a crawler's User-Agent
 * strings, and the [privacy] section with the defaults of config/clickrelay.toml.
 */
import type { PrivacySection } from '../../src/privacy/policy.js';

export const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
export const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export const PRIVACY_DEFAULTS: PrivacySection = {
  ipv4_prefix: 24,
  ipv6_prefix: 48,
  honor_dnt: true,
  honor_gpc: true,
  dnt_mode: 'count',
  referrer: 'origin',
  user_agent: 'reduced',
};
