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
  *
 * Exported here: only what other stages use (the service and redirect for a click, the audit
 * and the privacy notice for the rules). Tests reach the files directly.
 */
export { anonymizeClick, HASHED_UTM_VALUE, type RawClick, type AnonymizeContext } from './anonymize.js';
export { deriveClickSource } from './click-source.js';
export { parseTrustedProxies, resolveClientIp, type ForwardingHeaders } from './client-ip.js';
export { ipHasBitsBeyond, parseIp, truncateIp } from './ip.js';
export { policyFromConfig, type CountryLookup, type PrivacyPolicy } from './policy.js';
export { compileScannerRules, SCANNER_NAME } from './scanner.js';
export { BUILTIN_SCANNERS } from './scanner-data.js';
export { extractQuery, MAX_UTM_VALUE_LENGTH } from './query.js';
export { describePersonalData, isPersonalDataMarker, PERSONAL_DATA_MARKER, personalDataKind } from './personal-data.js';
export { MAX_REFERRER_LENGTH, reduceReferrer, referrerIsWithinPolicy } from './referrer.js';
export { sessionId, utcDay } from './session.js';
export { cleanText } from './text.js';
export { needsEveryLine } from './tracking-signals.js';
export { MAX_FULL_USER_AGENT_LENGTH, reduceUserAgent, userAgentIsReduced } from './user-agent.js';
