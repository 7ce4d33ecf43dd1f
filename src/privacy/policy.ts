/**
 * The privacy settings the normalizer applies, resolved once from configuration. Plain
 * data in, plain data out: this file reads no config file and imports no loader.
 */
import type { ReferrerMode } from './referrer.js';
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
}

/** The `[privacy]` keys as the config loader delivers them (snake_case, already validated). */
export interface PrivacySection {
  readonly ipv4_prefix: number;
  readonly ipv6_prefix: number;
  readonly honor_dnt: boolean;
  readonly honor_gpc: boolean;
  readonly dnt_mode: string;
  readonly referrer: string;
  readonly user_agent: string;
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`privacy.${key} = "${value}" is not allowed (allowed: ${allowed.join(', ')})`);
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
export function policyFromConfig(privacy: PrivacySection, mainSystemBaseUrl: string): PrivacyPolicy {
  return Object.freeze({
    ipv4Prefix: privacy.ipv4_prefix,
    ipv6Prefix: privacy.ipv6_prefix,
    honorDnt: privacy.honor_dnt,
    honorGpc: privacy.honor_gpc,
    dntMode: oneOf('dnt_mode', privacy.dnt_mode, ['count', 'drop'] as const),
    referrer: oneOf('referrer', privacy.referrer, ['origin', 'full', 'none'] as const),
    userAgent: oneOf('user_agent', privacy.user_agent, ['reduced', 'full', 'none'] as const),
    dashboardHost: hostOf(mainSystemBaseUrl),
  });
}
