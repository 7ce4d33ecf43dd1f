/**
 * privacy/ — turns what a request revealed into what clickrelay keeps. Pure functions
 * only (no I/O, no clock, no randomness of its own): client address through trusted
 * proxies, IP truncation, DNT/GPC, referrer and user-agent reduction, the bot flag, the
 * e-mail security scanner name (scanner.ts, scanner-data.ts, cidr-matcher.ts), the country
 * (through a lookup the service loads; no I/O here),
 * click_source, the UTM allow-list and the keyed session hash, joined in
 * `anonymizeClick`. It also exports the checks the audit applies to stored values, so
 * "what we store" and "what we accept as stored" are defined in one place.
 * The session keys themselves are I/O and live in src/keys/.
 */
export { anonymizeClick, HASHED_UTM_VALUE, hashUtmValue, type AnonymizeContext, type RawClick } from './anonymize.js';
export { isBot } from './bot.js';
export { deriveClickSource, WEBMAIL_HOSTS } from './click-source.js';
export { parseTrustedProxies, resolveClientIp, type ForwardingHeaders, type TrustedProxies } from './client-ip.js';
export { formatIp, ipHasBitsBeyond, parseIp, truncateIp, type IpAddress } from './ip.js';
export { policyFromConfig, type CountryLookup, type PolicyServices, type PrivacyPolicy, type PrivacySection, type UtmFreeTextMode } from './policy.js';
export { classifyScanner, compileScannerRules, SCANNER_NAME, scannerOfReferrerHost, type ScannerExtras, type ScannerRules } from './scanner.js';
export { BUILTIN_SCANNERS, SCANNER_RANGES, SCANNER_REFERRER_HOSTS, SCANNER_USER_AGENT_TOKENS } from './scanner-data.js';
export { compileCidrMatcher, type CidrMatcher } from './cidr-matcher.js';
export { extractQuery, MAX_UTM_VALUE_LENGTH, type ExtractedQuery } from './query.js';
export {
  MAX_REFERRER_LENGTH,
  parseHttpReferrer,
  reduceParsedReferrer,
  reduceReferrer,
  referrerIsWithinPolicy,
  type ReferrerMode,
} from './referrer.js';
export { sessionId, utcDay } from './session.js';
export { isAnonymousRequest, isOne, needsEveryLine, type SignalPolicy } from './tracking-signals.js';
export { MAX_FULL_USER_AGENT_LENGTH, reduceUserAgent, userAgentIsReduced, type UserAgentMode } from './user-agent.js';
