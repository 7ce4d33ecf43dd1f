/**
 * The privacy settings the normalizer applies, resolved once from configuration. Plain
 * data in, plain data out: this file reads no config file and imports no loader.
 */
import type { ReferrerMode } from './referrer.js';
import { ConfigError } from '../errors.js';
import { compileScannerRules, type ScannerRules } from './scanner.js';
import type { UserAgentMode } from './user-agent.js';

export interface PrivacyPolicy {
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
  readonly honorDnt: boolean;
  readonly honorGpc: boolean;
  readonly dntMode: 'count' | 'drop';
  readonly referrer: ReferrerMode;
  readonly userAgent: UserAgentMode;
  /** Host of main_system.base_url: a referrer from it means click_source "dashboard". */
  readonly dashboardHost: string | null;
  /** privacy.country: "country" stores metadata.country (ISO 3166-1 alpha-2) when countryOf knows the address. */
  readonly country: 'off' | 'country';
  /**
   * The IP-to-country lookup (an MMDB file read once at start-up by the service; this stage
   * does no I/O). null where nothing is looked up (country = "off", or the audit).
   */
  readonly countryOf: CountryLookup | null;
  /** privacy.utm_term_content: utm_term / utm_content kept as sent, dropped, or hashed. */
  readonly utmTermContent: UtmFreeTextMode;
  /** Security-gateway evidence (scanner-data.ts plus privacy.scanner_*), compiled. */
  readonly scanners: ScannerRules;
}

/** Full client address (canonical text) → ISO 3166-1 alpha-2 code, or null when unknown. */
export type CountryLookup = (ip: string) => string | null;

export type UtmFreeTextMode = 'keep' | 'drop' | 'hash';

/** The `[privacy]` keys as the config loader delivers them (snake_case, already validated). */
export interface PrivacySection {
  readonly ipv4_prefix: number;
  readonly ipv6_prefix: number;
  readonly honor_dnt: boolean;
  readonly honor_gpc: boolean;
  readonly dnt_mode: string;
  readonly referrer: string;
  readonly user_agent: string;
  // Optional so callers built before these keys existed keep their meaning (the defaults).
  readonly country?: string;
  readonly utm_term_content?: string;
  readonly scanner_ranges?: readonly string[];
  readonly scanner_referrer_hosts?: readonly string[];
  readonly scanner_user_agents?: readonly string[];
}

/** What the service hands the policy besides configuration: loaded once at start-up. */
export interface PolicyServices {
  readonly countryOf?: CountryLookup | null;
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`privacy.${key} = "${value}" is not allowed (allowed: ${allowed.join(', ')})`);
}

/** Host of the main system, or null when standalone (empty) or unparseable. */
function hostOf(baseUrl: string): string | null {
  if (baseUrl === '') return null;
  try {
    return new URL(baseUrl).hostname || null;
  } catch {
    return null;
  }
}

/**
 * The enum keys are checked again here (the loader already did) because the config
 * types are plain strings, and a typo reaching the hot path would silently mean "full".
 */
export function policyFromConfig(privacy: PrivacySection, mainSystemBaseUrl: string, services: PolicyServices = {}): PrivacyPolicy {
  const country = oneOf('country', privacy.country ?? 'off', ['off', 'country'] as const);
  return Object.freeze({
    ipv4Prefix: privacy.ipv4_prefix,
    ipv6Prefix: privacy.ipv6_prefix,
    honorDnt: privacy.honor_dnt,
    honorGpc: privacy.honor_gpc,
    dntMode: oneOf('dnt_mode', privacy.dnt_mode, ['count', 'drop'] as const),
    referrer: oneOf('referrer', privacy.referrer, ['origin', 'full', 'none'] as const),
    userAgent: oneOf('user_agent', privacy.user_agent, ['reduced', 'full', 'none'] as const),
    dashboardHost: hostOf(mainSystemBaseUrl),
    country,
    countryOf: country === 'country' ? (services.countryOf ?? null) : null,
    utmTermContent: oneOf('utm_term_content', privacy.utm_term_content ?? 'keep', ['keep', 'drop', 'hash'] as const),
    scanners: compileScannerRules({
      ranges: privacy.scanner_ranges ?? [],
      referrerHosts: privacy.scanner_referrer_hosts ?? [],
      userAgents: privacy.scanner_user_agents ?? [],
    }),
  });
}
