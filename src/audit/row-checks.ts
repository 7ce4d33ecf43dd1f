/**
 * The privacy rules checked on one stored click, on its values as they are in outbox.db
 * (not on what the chain says they were). Each rule asks src/privacy/ whether the stored
 * value is one the normalizer could have produced under the policy in force, so "what we
 * store" and "what we accept as stored" cannot drift apart. Values are typed `unknown` on
 * purpose: someone with the sqlite3 shell can store a number or a blob in any column.
 */
import type { ClickColumns, DeliveryState } from '../outbox/index.js';
import {
  cleanText,
  describePersonalData,
  HASHED_UTM_VALUE,
  ipHasBitsBeyond,
  isPersonalDataMarker,
  personalDataKind,
  MAX_UTM_VALUE_LENGTH,
  reduceUserAgent,
  referrerIsWithinPolicy,
  SCANNER_NAME,
  truncateIp,
  userAgentIsReduced,
  type PrivacyPolicy,
} from '../privacy/index.js';
import { CLICK_SOURCES, UTM_KEYS } from '../types.js';
import type { RowRule } from './rules.js';

export interface RowPolicy {
  readonly privacy: PrivacyPolicy;
  /** Shipped clicks clicked before this ISO time are past retention (grace included). */
  readonly retentionCutoff: string;
  /** …unless shipped at or after this ISO time: the next hourly purge has not run yet. */
  readonly shippedGraceStart: string;
  /** Standalone mode: nothing is shipped, so pending clicks are held to retention as well. */
  readonly standalone: boolean;
}

/** What one stored click counts as, and whether it is a pending click past retention (a warning, not a violation). */
export interface RowFacts {
  bot: boolean;
  kind: ClickKind;
  /** pending (not standalone) and clicked before the retention cutoff: kept until shipped, but said */
  pendingPastRetention: boolean;
}

export type RowFlag = (rule: RowRule, detail: string) => void;

/** The metadata keys a stored click may carry: the five UTM keys, the bot flag, the scanner name and the country. */
export const METADATA_KEYS: readonly string[] = [...UTM_KEYS, 'bot', 'scanner', 'country'];
/** Keys that would place a click finer than a country: never written by the normalizer, named as such when found. */
const FINER_GEO_KEYS = /^(city|region|subdivision|subdivisions|state|province|postal|postal_code|zip|zip_code|latitude|longitude|lat|lon|lng|location|coordinates|geo|geoname_id|metro_code|time_zone|timezone|accuracy_radius)$/i;
const ALPHA2 = /^[A-Z]{2}$/;

/** What one stored click counts as: a person, a security gateway (metadata.scanner) or another bot (metadata.bot). */
export type ClickKind = 'human' | 'scanner' | 'bot';
const UTM_KEY_SET: ReadonlySet<string> = new Set(UTM_KEYS);
const SOURCES: ReadonlySet<string> = new Set(CLICK_SOURCES);
/** isoTimestamp's output: the only form clicked_at is written in. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A stored value for a report line: quoted, cut short (the report must not become a copy of the outbox). */
export function show(v: unknown): string {
  const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? `<blob of ${v.length} bytes>` : String(v);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * Applies every row rule, calling `flag` once per broken rule. Returns what the click counts
 * as (the audit counts them): the metadata is parsed here anyway, and only once.
 */
export function checkRow(cols: ClickColumns, state: DeliveryState, shippedAt: string | null, p: RowPolicy, flag: RowFlag): RowFacts {
  const [, , clickedAt, ip, ua, referrer, session, source, metadata, anonymous] = cols as readonly unknown[];
  const privacy = p.privacy;

  if (anonymous === 1) {
    const kept = (['ip_address', 'user_agent', 'referrer_url', 'session_id'] as const).filter((_, i) => [ip, ua, referrer, session][i] !== null);
    if (kept.length > 0) flag('anonymous_personal_data', `DNT/GPC click keeps ${kept.join(', ')}`);
  }

  if (ip !== null) {
    if (typeof ip !== 'string' || truncateIp(ip, privacy.ipv4Prefix, privacy.ipv6Prefix) === null) {
      flag('ip_prefix', `${show(ip)} is not an IP address`);
    } else if (ipHasBitsBeyond(ip, privacy.ipv4Prefix, privacy.ipv6Prefix)) {
      const prefix = ip.includes(':') && !ip.includes('.') ? privacy.ipv6Prefix : privacy.ipv4Prefix;
      flag('ip_prefix', `${show(ip)} is not the /${prefix} network address the policy stores (${truncateIp(ip, privacy.ipv4Prefix, privacy.ipv6Prefix)})`);
    }
  }

  if (referrer !== null && (typeof referrer !== 'string' || !referrerIsWithinPolicy(referrer, privacy.referrer))) {
    flag('referrer_form', `${show(referrer)} is more than privacy.referrer = "${privacy.referrer}" keeps`);
  }

  if (ua !== null) {
    const mode = privacy.userAgent;
    const ok = typeof ua === 'string' && (mode === 'reduced' ? userAgentIsReduced(ua) : mode === 'full' && reduceUserAgent(ua, 'full') === ua);
    if (!ok) flag('user_agent_form', `${show(ua)} is not what privacy.user_agent = "${mode}" stores`);
  }

  if (typeof source !== 'string' || !SOURCES.has(source)) flag('click_source', `${show(source)} is not one of ${CLICK_SOURCES.join(', ')}`);

  // Shipped clicks and dead letters (which nobody will ship) are purged at retention; pending
  // ones only in standalone mode, else they wait to be shipped and are a warning.
  let pendingPastRetention = false;
  const held = state === 'shipped' || state === 'dead' || (p.standalone && state === 'pending');
  if (typeof clickedAt !== 'string' || !ISO_UTC.test(clickedAt)) {
    if (held) flag('retention', `clicked_at ${show(clickedAt)} is not an ISO 8601 UTC time, so its age cannot be checked`);
  } else if (clickedAt < p.retentionCutoff) {
    if (!held) pendingPastRetention = true;
    else if (!(typeof shippedAt === 'string' && shippedAt >= p.shippedGraceStart)) {
      const what = state === 'shipped' ? 'shipped' : state === 'dead' ? 'dead letter' : 'standalone (never shipped)';
      flag('retention', `${what}, clicked at ${clickedAt}: past privacy.retention_days and not purged`);
    }
  }

  return { ...checkMetadata(metadata, anonymous === 1, privacy, flag), pendingPastRetention };
}

const HUMAN = Object.freeze({ bot: false, kind: 'human' as const });

function checkMetadata(text: unknown, anonymous: boolean, privacy: PrivacyPolicy, flag: RowFlag): { bot: boolean; kind: ClickKind } {
  if (text === '{}') return HUMAN; // most clicks: no UTM values, no flags
  let m: unknown;
  try {
    m = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    m = undefined;
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    flag('metadata_values', `${show(text)} is not a JSON object`);
    return HUMAN;
  }
  const offList: string[] = [];
  const finer: string[] = [];
  const bad: string[] = [];
  const personal: string[] = [];
  const freeText: string[] = [];
  let bot = false;
  let scanner = false;
  for (const [key, value] of Object.entries(m)) {
    if (key === 'bot') {
      // The normalizer sets the flag only when true; anything else is not its output.
      if (value === true) bot = true;
      else bad.push(`bot = ${show(JSON.stringify(value))}`);
    } else if (key === 'scanner') {
      if (typeof value === 'string' && SCANNER_NAME.test(value) && privacy.scanners.names.includes(value)) scanner = true;
      else bad.push(`scanner = ${show(typeof value === 'string' ? value : JSON.stringify(value))} (known: ${privacy.scanners.names.join(', ')})`);
    } else if (key === 'country') {
      const v = typeof value === 'string' ? value : JSON.stringify(value);
      if (privacy.country === 'off') flag('country_off', `country ${show(v)} is stored, but privacy.country = "off"`);
      if (typeof value !== 'string' || !ALPHA2.test(value)) flag('geo_precision', `country ${show(v)} is not an ISO 3166-1 two-letter code (a subdivision or anything else is finer than a country)`);
      if (anonymous) flag('anonymous_personal_data', `DNT/GPC click keeps country ${show(v)}`);
    } else if (FINER_GEO_KEYS.test(key)) {
      finer.push(show(key));
    } else if (!UTM_KEY_SET.has(key)) {
      offList.push(show(key));
    } else if (typeof value !== 'string' || cleanText(value, MAX_UTM_VALUE_LENGTH) !== value) {
      // cleanText is what extractQuery keeps, and it is idempotent on its own output.
      bad.push(`${key} = ${show(typeof value === 'string' ? value : JSON.stringify(value))}`);
    } else {
      if ((key === 'utm_term' || key === 'utm_content') && privacy.utmTermContent !== 'keep') {
        if (privacy.utmTermContent === 'drop') freeText.push(`${key} is stored, but privacy.utm_term_content = "drop"`);
        else if (!HASHED_UTM_VALUE.test(value) && !isPersonalDataMarker(value)) freeText.push(`${key} = ${show(value)} is not hashed, but privacy.utm_term_content = "hash"`);
      }
      // The detector the privacy stage replaces such values with: a value found here was stored by an older build or by hand.
      const what = personalDataKind(value);
      if (what !== null) personal.push(`${key} looks like ${describePersonalData(what)}`);
    }
  }
  if (offList.length > 0) flag('metadata_keys', `keys off the allow-list: ${offList.join(', ')}`);
  if (finer.length > 0) flag('geo_precision', `location finer than a country: ${finer.join(', ')}`);
  if (bad.length > 0) flag('metadata_values', `values the normalizer does not store: ${bad.join('; ')}`);
  if (freeText.length > 0) flag('utm_term_content', freeText.join('; '));
  // The value itself is not repeated: the report must not copy an address out of the outbox.
  if (personal.length > 0) flag('utm_personal_data', personal.join('; '));
  return { bot, kind: scanner ? 'scanner' : bot ? 'bot' : 'human' };
}
