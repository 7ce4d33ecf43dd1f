/**
 * Settings weaker than the built-in defaults, each with the sentence a reader of the privacy
 * notice must see. One list, used by `serve` (a warn line each at start-up), `status`, the
 * privacy notice, the status page and `audit --strict` (which fails on any), so none of them
 * can call a weakened policy the safe one.
 */
import type { Config } from '../config/schema.js';
import { SCHEMA } from '../config/schema.js';

export interface WeakenedSetting {
  /** `section.key` */
  key: string;
  value: SettingValue;
  default: SettingValue;
  /** What it means for the people who click, in one honest sentence. */
  effect: string;
}

type SettingValue = string | number | boolean | readonly string[];

const D = SCHEMA.privacy;

export function weakenedSettings(config: Pick<Config, 'privacy'>): WeakenedSetting[] {
  const p = config.privacy;
  const out: WeakenedSetting[] = [];
  const add = (key: keyof typeof D, effect: string) => out.push({ key: `privacy.${key}`, value: p[key], default: D[key].default, effect });
  if (p.ipv4_prefix > D.ipv4_prefix.default) {
    add('ipv4_prefix', p.ipv4_prefix === 32 ? 'IPv4 addresses are stored whole (/32): the full client IP address of every IPv4 click is recorded.' : `IPv4 addresses keep ${p.ipv4_prefix} bits instead of ${D.ipv4_prefix.default}: they narrow a click down to a group of ${2 ** (32 - p.ipv4_prefix)} addresses.`);
  }
  if (p.ipv6_prefix > D.ipv6_prefix.default) {
    add('ipv6_prefix', p.ipv6_prefix === 128 ? 'IPv6 addresses are stored whole (/128): the full client IP address of every IPv6 click is recorded.' : `IPv6 addresses keep ${p.ipv6_prefix} bits instead of ${D.ipv6_prefix.default}${p.ipv6_prefix >= 64 ? ': that identifies a single household or device network' : ''}.`);
  }
  if (p.user_agent === 'full') add('user_agent', 'The full User-Agent header is stored (browser and OS versions, device model), which helps fingerprint a person.');
  if (p.referrer === 'full') add('referrer', 'The full referring URL is stored, path and query included, which can name the page, mailbox or search the person came from.');
  if (!p.honor_dnt) add('honor_dnt', 'Do Not Track (DNT: 1) is ignored: such clicks are recorded like any other.');
  if (!p.honor_gpc) add('honor_gpc', 'Global Privacy Control (Sec-GPC: 1) is ignored: such clicks are recorded like any other.');
  if (p.country !== D.country.default) add('country', "Each click's country (an ISO 3166 code) is derived from the full address before it is truncated, and stored.");
  if (p.retention_days > D.retention_days.default) add('retention_days', `Clicks are kept ${p.retention_days} days instead of ${D.retention_days.default}.`);
  return out;
}

/** `privacy.ipv4_prefix = 32 (default 24)` */
export function describeWeakened(w: WeakenedSetting): string {
  return `${w.key} = ${JSON.stringify(w.value)} (default ${JSON.stringify(w.default)})`;
}
