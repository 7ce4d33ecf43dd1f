/**
 * `clickrelay privacy-notice`: the document a reviewer files, generated from the
 * configuration in force so it cannot drift from what the service does. Every "in what
 * form" example is computed by the same src/privacy/ functions the service stores clicks
 * with, from fixed sample inputs: if the normalizer changes, the notice changes with it.
 *
 * JSON shape (`--format json`), stable for scripts:
 * {
 *   "generated_at", "config",
 *   "fields": [{ "field", "stored": "always"|"unless anonymous"|"never", "form", "example": { "received", "stored" } | null }],
 *   "never_stored": [string],
 *   "do_not_track": { "honor_dnt", "honor_gpc", "mode": "count"|"drop", "text" },
 *   "bots": string, "scanners": string, "prefetch": string, "country": string, "cookies": string,
 *   "opt_out": { "page": "/privacy/opt-out", "undo": "/privacy/opt-in", "cookie": string, "text" },
 *   "operator": { "name": string, "contact": string, "text" },   // privacy.operator_name / operator_contact ("" when not given)
 *   "session_ids": { "key_rotation": "daily (UTC)", "key_deleted_after_hours": 48, "key_file", "text" },
 *   "retention": { "shipped_days", "text": [string] },
 *   "recipients": { "main_system_host": string|null, "text" },
 *   "local_access": [string],
 *   "settings": { "<section.key>": value },  // the privacy-relevant configuration
 *   "weakened": [{ "key", "value", "default", "effect" }]  // settings weaker than the defaults
 * }
 */
import { join } from 'node:path';
import { CLICK_SINKS } from '../adapters/registry.js';
import type { Config } from '../config/schema.js';
import { resolveKinds } from '../config/settings.js';
import { countryNoticeSource } from '../country/country-status.js';
import { MAX_KEY_AGE_HOURS, SESSION_KEYS_FILE } from '../keys/index.js';
import {
  BUILTIN_SCANNERS,
  MAX_FULL_USER_AGENT_LENGTH,
  MAX_REFERRER_LENGTH,
  MAX_UTM_VALUE_LENGTH,
  deriveClickSource,
  extractQuery,
  policyFromConfig,
  reduceReferrer,
  reduceUserAgent,
  sessionId,
  truncateIp,
  type PrivacyPolicy,
} from '../privacy/index.js';
import { OPT_OUT_COOKIE_NAME, OPT_OUT_MAX_AGE_SECONDS } from './opt-out-cookie.js';
import { CLICK_SOURCES, UTM_KEYS } from '../types.js';
import { weakenedSettings, type WeakenedSetting } from './weakened.js';

/** Fixed sample inputs for the examples (documentation ranges: RFC 5737, RFC 3849). */
const SAMPLES = {
  ipv4: '203.0.113.77',
  ipv6: '2001:db8:85a3:8d3:1319:8a2e:370:7348',
  userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  referrer: 'https://mail.google.com/mail/u/0/?search=inbox#inbox/FMfcgzGxSbQk',
  query: '?utm_source=newsletter&email=jane@example.com&token=abc',
} as const;

export type Stored = 'always' | 'unless anonymous' | 'never';

export interface NoticeField {
  field: string;
  stored: Stored;
  form: string;
  example: { received: string; stored: string } | null;
}

export interface PrivacyNotice {
  generated_at: string;
  config: string;
  fields: NoticeField[];
  never_stored: string[];
  do_not_track: { honor_dnt: boolean; honor_gpc: boolean; mode: 'count' | 'drop'; text: string };
  bots: string;
  scanners: string;
  prefetch: string;
  country: string;
  cookies: string;
  opt_out: { page: string; undo: string; cookie: string; text: string };
  /** privacy.operator_name / operator_contact: who runs the service and whom to ask ("" when not given). */
  operator: { name: string; contact: string; text: string };
  session_ids: { key_rotation: string; key_deleted_after_hours: number; key_file: string; text: string };
  retention: { shipped_days: number; text: string[] };
  recipients: { main_system_host: string | null; text: string };
  local_access: string[];
  settings: Record<string, string | number | boolean | readonly string[]>;
  /** Settings weaker than the built-in defaults, each with what it means (empty when none). */
  weakened: WeakenedSetting[];
}

const show = (v: string | null): string => (v === null ? '(nothing)' : v);

function ipField(p: PrivacyPolicy): NoticeField {
  const v4 = truncateIp(SAMPLES.ipv4, p.ipv4Prefix, p.ipv6Prefix);
  const v6 = truncateIp(SAMPLES.ipv6, p.ipv4Prefix, p.ipv6Prefix);
  const whole = p.ipv4Prefix === 32 || p.ipv6Prefix === 128 ? ` WARNING: ${p.ipv4Prefix === 32 ? 'IPv4 /32' : 'IPv6 /128'} keeps the whole address: the full client IP address IS recorded.` : '';
  // Never claim the full address is never written when a prefix keeps all of it.
  const zeroed = whole
    ? 'The bits past the prefix are zeroed before the click is stored; a full-length prefix zeroes nothing. '
    : 'The bits past the prefix are zeroed before the click is stored, so the full address is never written anywhere. ';
  return {
    field: 'ip_address',
    stored: 'unless anonymous',
    form:
      `IPv4 truncated to /${p.ipv4Prefix}: ${SAMPLES.ipv4} → ${show(v4)}; IPv6 truncated to /${p.ipv6Prefix}: ${SAMPLES.ipv6} → ${show(v6)}. ` +
      zeroed +
      `IPv4-mapped IPv6 is stored as IPv4.${whole}`,
    example: { received: SAMPLES.ipv4, stored: show(v4) },
  };
}

function userAgentField(p: PrivacyPolicy): NoticeField {
  const stored = reduceUserAgent(SAMPLES.userAgent, p.userAgent);
  const form = {
    reduced: 'Reduced to browser family with major version and operating-system family; versions, device model and everything else in the header are dropped.',
    full: `The full User-Agent header, control characters removed, at most ${MAX_FULL_USER_AGENT_LENGTH} characters.`,
    none: 'Not stored.',
  }[p.userAgent];
  return { field: 'user_agent', stored: p.userAgent === 'none' ? 'never' : 'unless anonymous', form, example: { received: SAMPLES.userAgent, stored: show(stored) } };
}

function referrerField(p: PrivacyPolicy): NoticeField {
  const stored = reduceReferrer(SAMPLES.referrer, p.referrer);
  const form = {
    origin: 'Only the origin (scheme and host) of the page the click came from: no path, query or fragment.',
    full: `The full referring URL without user name, password or fragment, at most ${MAX_REFERRER_LENGTH} characters.`,
    none: 'Not stored.',
  }[p.referrer];
  return {
    field: 'referrer_url',
    stored: p.referrer === 'none' ? 'never' : 'unless anonymous',
    form: `${form} Only http(s) referrers are considered.`,
    example: { received: SAMPLES.referrer, stored: show(stored) },
  };
}

function fields(p: PrivacyPolicy): NoticeField[] {
  const sample = sessionId(Buffer.alloc(32, 7), truncateIp(SAMPLES.ipv4, p.ipv4Prefix, p.ipv6Prefix) ?? '', reduceUserAgent(SAMPLES.userAgent, 'reduced') ?? '', '2025-07-27');
  return [
    { field: 'click_id', stored: 'always', form: 'A random, time-ordered identifier (UUIDv7) made for the click; it identifies the click, not the person.', example: null },
    { field: 'tracking_id', stored: 'always', form: 'Which tracked link was clicked.', example: null },
    { field: 'clicked_at', stored: 'always', form: 'When the click happened, UTC, to the millisecond.', example: null },
    ipField(p),
    userAgentField(p),
    referrerField(p),
    {
      field: 'session_id',
      stored: 'unless anonymous',
      form:
        'A keyed hash (HMAC-SHA-256, 128 bits kept) of the truncated address, the reduced user agent and the UTC day, so clicks from one network and browser family on one day group together. ' +
        `The id itself cannot be reversed, and the ids of two days do not match: the key is random, changes every UTC day and is deleted ${MAX_KEY_AGE_HOURS} h after its day began. ` +
        `${acrossDays(p)} Not stored when no address is.`,
      example: { received: `${SAMPLES.ipv4} + ${SAMPLES.userAgent.slice(0, 24)}… on 2025-07-27`, stored: sample },
    },
    {
      field: 'click_source',
      stored: 'always',
      form: `A category (${CLICK_SOURCES.join(', ')}) taken from the link's src parameter, else from the referrer's host${p.dashboardHost ? ` (${p.dashboardHost} counts as dashboard)` : ''}; computed before the referrer is reduced or dropped.`,
      example: { received: SAMPLES.referrer, stored: deriveClickSource(undefined, new URL(SAMPLES.referrer).hostname, p.dashboardHost) },
    },
    {
      field: 'metadata',
      stored: 'always',
      form:
        `JSON holding only the link's ${UTM_KEYS.join(', ')} query values (control and invisible formatting characters removed, at most ${MAX_UTM_VALUE_LENGTH} characters each), ` +
        `"bot": true for automated clients (a crawler, or no User-Agent at all), "scanner": the e-mail security gateway that fetched the link (${BUILTIN_SCANNERS.join(', ')}, or one the operator added)` +
        `${p.country === 'country' ? ', and "country": the visitor\'s country as an ISO 3166-1 two-letter code (unless anonymous)' : ''}. ` +
        `${UTM_FREE_TEXT[p.utmTermContent]} Every other query parameter is dropped unread.`,
      example: { received: SAMPLES.query, stored: JSON.stringify(extractQuery(SAMPLES.query).utm) },
    },
    { field: 'anonymous', stored: 'always', form: 'Whether Do Not Track / Global Privacy Control made the click anonymous.', example: null },
    {
      field: 'state, shipped_at, attempts, last_error, dead_reason',
      stored: 'always',
      form: 'Delivery bookkeeping: whether and when the click was handed to the main system, and why not if it failed. Not sent anywhere.',
      example: null,
    },
  ];
}

/** Who runs the service and whom to ask, as the operator configured it; said plainly when not given. */
function operatorOf(config: Config): PrivacyNotice['operator'] {
  const name = config.privacy.operator_name.trim();
  const contact = config.privacy.operator_contact.trim();
  const who = name ? `This link service is run by ${name}.` : 'The operator of this link service has not given their name here.';
  const ask = contact
    ? ` Questions about your click data, or a request to see or delete it: ${contact}.`
    : ' No contact address is given here either: ask whoever sent you the link who runs it.';
  return { name, contact, text: who + ask };
}

/**
 * What links one visitor's clicks across days although the session id does not: the other
 * columns of the same row, as the policy keeps them (#25: the notice said "cannot be linked").
 */
function acrossDays(p: PrivacyPolicy): string {
  const kept = [`the truncated address (the network, /${p.ipv4Prefix} or /${p.ipv6Prefix})`];
  if (p.userAgent !== 'none') kept.push(p.userAgent === 'reduced' ? 'the reduced user agent (browser family and major version, OS family)' : 'the full user agent');
  if (p.country === 'country') kept.push('the country');
  return (
    `This does not make a visitor's clicks unlinkable across days: the same row also keeps ${kept.join(' and ')}, which stay the same from day to day, so clicks on different days from one network and browser can be matched, ` +
    'although many people share a network and a browser family, so a match does not show it was the same person.'
  );
}

const PERSONAL_DATA_IN_UTM = 'Whatever the setting, a UTM value that looks like an e-mail address or a phone number is not stored: "[redacted:email]" or "[redacted:phone]" is stored in its place.';

const UTM_FREE_TEXT = {
  keep: `UTM values are kept exactly as the sender wrote them into the link (privacy.utm_term_content = "keep"), with one exception: ${PERSONAL_DATA_IN_UTM.charAt(0).toLowerCase()}${PERSONAL_DATA_IN_UTM.slice(1)}`,
  drop: `utm_term and utm_content, the free-text ones, are not stored (privacy.utm_term_content = "drop"); the other UTM values are kept as the sender wrote them. ${PERSONAL_DATA_IN_UTM}`,
  hash: `utm_term and utm_content, the free-text ones, are stored only as a keyed hash (privacy.utm_term_content = "hash": "h_" and 16 hex digits, under the day's session key, so equal values group within a UTC day and cannot be reversed); the other UTM values are kept as the sender wrote them. ${PERSONAL_DATA_IN_UTM}`,
} as const;

/**
 * `countryDb`: the country database in use, when the caller has it open (serve, the CLI), so
 * an operator file's licence is named; without it the bundled one is named when
 * privacy.country_db is empty, and no licence is claimed for an operator file not read.
 */
export function buildPrivacyNotice(config: Config, now: Date = new Date(), countryDb?: { bundled: boolean; file: string; databaseType: string }): PrivacyNotice {
  const p = policyFromConfig(config.privacy, config.main_system.base_url);
  const days = config.privacy.retention_days;
  const { clickSink, standalone } = resolveKinds(config.main_system, config.shipper.sink);
  const sink = CLICK_SINKS[clickSink].describe;
  const honoured = [p.honorDnt ? 'DNT: 1' : null, p.honorGpc ? 'Sec-GPC: 1' : null].filter((s): s is string => s !== null);
  const dntText =
    honoured.length === 0
      ? 'Do Not Track and Global Privacy Control are NOT honoured (privacy.honor_dnt and privacy.honor_gpc are false): such clicks are recorded like any other.'
      : p.dntMode === 'count'
        ? `A request carrying ${honoured.join(' or ')} is counted without personal data: only click_id, tracking_id, clicked_at, click_source, the UTM values and the bot and scanner flags are stored; ip_address, user_agent, referrer_url, session_id and the country are not.`
        : `A request carrying ${honoured.join(' or ')} is redirected and nothing about it is recorded (not even a count).`;
  // Said in full here, not by reference to another section: the opt-out page orders them differently.
  const optOutEffect =
    p.dntMode === 'count'
      ? 'still counted without personal data: only the time, the link, where the click came from (click_source) and the campaign (UTM) values are kept; not the network address, browser, referring page, session or country'
      : 'redirected and not recorded at all';

  return {
    generated_at: now.toISOString(),
    config: config.source || 'built-in defaults',
    fields: fields(p),
    never_stored: [
      ...(p.ipv4Prefix < 32 && p.ipv6Prefix < 128
        ? ['The full client IP address (only the truncated prefix above, or nothing).']
        : p.ipv4Prefix < 32
          ? ['The full client IPv4 address (only the truncated prefix above, or nothing). IPv6 addresses, however, are kept whole (/128).']
          : p.ipv6Prefix < 128
            ? ['The full client IPv6 address (only the truncated prefix above, or nothing). IPv4 addresses, however, are kept whole (/32).']
            : []),
      'Query parameters other than the five utm_* keys; the src parameter is used for click_source and then dropped.',
      'Cookies other than the opt-out cookie, request bodies, and request headers other than those listed above (User-Agent, Referer, DNT, Sec-GPC, the prefetch headers, and X-Forwarded-For / X-Real-IP from trusted proxies, read to find the client address).',
      'The evidence a scanner or the country was derived from: only the scanner\'s name and the country code are kept.',
      'The session keys are never stored in outbox.db and never sent anywhere.',
    ],
    do_not_track: { honor_dnt: p.honorDnt, honor_gpc: p.honorGpc, mode: p.dntMode, text: dntText },
    bots:
      'Crawlers and link-preview fetchers (detected from the User-Agent with the maintained isbot pattern list), and requests without any User-Agent, are recorded like people, with "bot": true in metadata, so they can be left out of counts; the User-Agent itself is kept only in the form configured above.',
    scanners:
      'E-mail security gateways (Microsoft 365 Safe Links, Mimecast, Proofpoint, Barracuda, and any the operator lists) fetch links in delivered mail before, or instead of, the recipient. ' +
      'Such a fetch is recognised from the full client address (the gateways\' published address ranges) or the gateway\'s own user agent, read before anything is truncated; a referrer naming the gateway\'s rewriting host counts only together with one of them. ' +
      'A gateway\'s referrer alone does not make a click a scanner\'s: a person who clicks "continue" on a gateway\'s warning page, or whose click passes through browser isolation, arrives with that referrer and is recorded as a person. ' +
      'Only the gateway\'s name is stored, as "scanner" in metadata, so counts can tell people from scanners. The click is still redirected and recorded (in the form above).',
    prefetch:
      'A browser prefetch (Sec-Purpose: prefetch or prerender, Purpose: prefetch, X-Moz: prefetch, X-Purpose: preview) is not recorded: it is answered "try again later" (503), so the browser keeps nothing and your click, if you click, is recorded like any other. Only a counter of prefetches is kept.',
    country:
      p.country === 'country'
        ? `The visitor's country is derived from the full address before it is truncated, from ${countryNoticeSource(countryDb ?? (config.privacy.country_db === '' ? { bundled: true } : { bundled: false, file: config.privacy.country_db }))} Only the ISO 3166-1 two-letter country code is stored (metadata "country"); never a region, city or coordinates. Not stored for anonymous clicks.`
        : 'Not derived (privacy.country = "off"): no country, region, city or coordinates are stored.',
    cookies: `None, except the opt-out cookie: ${OPT_OUT_COOKIE_NAME}=1, set only when someone opts out on /privacy/opt-out. It carries no identifier (its value is the same for everyone) and is the only cookie clickrelay sets or reads. No other client-side storage or fingerprinting script is used: a click is only answered with a redirect.`,
    opt_out: {
      page: '/privacy/opt-out',
      undo: '/privacy/opt-in',
      cookie: `${OPT_OUT_COOKIE_NAME}=1; Path=/; Max-Age=${OPT_OUT_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax`,
      text: `Anyone can opt out on /privacy/opt-out of this link domain. That stores the opt-out cookie (${OPT_OUT_COOKIE_NAME}=1) in their browser for ${OPT_OUT_MAX_AGE_SECONDS / 86_400} days; while it is there, their clicks are ${optOutEffect}. /privacy/opt-in deletes it. Deleting cookies undoes the opt-out, as nothing else remembers it.`,
    },
    operator: operatorOf(config),
    session_ids: {
      key_rotation: 'daily (UTC)',
      key_deleted_after_hours: MAX_KEY_AGE_HOURS,
      key_file: join(config.storage.data_dir, SESSION_KEYS_FILE),
      text: `A new random key for each UTC day, kept only in ${join(config.storage.data_dir, SESSION_KEYS_FILE)} (mode 0600) and deleted ${MAX_KEY_AGE_HOURS} h after its day began: ids are stable within a day and differ from one day to the next. ${acrossDays(p)}`,
    },
    retention: {
      shipped_days: days,
      text: standalone
        ? [
            `Standalone mode: nothing is shipped, so clicks are deleted from this server ${days} days after the click (purged hourly).`,
            `Session keys: deleted ${MAX_KEY_AGE_HOURS} h after their UTC day began.`,
          ]
        : [
            `Clicks delivered to the main system are deleted from this server ${days} days after the click (purged hourly).`,
            `Clicks not yet delivered are kept until they are, so none is lost while the main system is unreachable (however long that takes); clicks the main system rejected are kept as dead letters until an operator re-queues or purges them, and deleted ${days} days after the click at the latest.`,
            'A reviewer can erase named clicks earlier (clickrelay erase); the erasure is recorded, without the clicks, so the audit still verifies.',
            `Session keys: deleted ${MAX_KEY_AGE_HOURS} h after their UTC day began.`,
            'How long the main system keeps the clicks it receives is decided there, not here.',
          ],
    },
    recipients: sink.recipients(config, p.dashboardHost),
    local_access: [
      `On this server: ${join(config.storage.data_dir, 'outbox.db')} (SQLite; the clicks_readable view shows exactly what is kept), readable by the service account.`,
      `The admin listener on ${config.admin.host}:${config.admin.port} answers aggregate counts per link (/api/link-tracking/analytics/{tracking_id}), a status page of aggregate figures (/) and metrics${config.admin.token_file ? ', to holders of the admin token' : ', to local processes only'}.`,
      `The redirect answers with Referrer-Policy: ${config.server.referrer_policy}${config.server.referrer_policy === 'no-referrer' ? ', so the destination site does not learn the tracked link' : ''}.`,
      ...(config.server.rate_limit_per_second > 0 ? ['Rate limiting keeps per-network request counters (keyed by the truncated prefix) in memory only; they are never written to disk.'] : []),
      'Lookups of links the local copy does not know are capped per network (truncated prefix); those counters too are in memory only.',
      `${join(config.storage.data_dir, 'mirror.db')} is a copy of the main system's links: id, target URL, active flag, link function and type, job and application ids${config.sync.store_descriptions ? ", and, because sync.store_descriptions is on, each link's free-text description and creator (created_by)" : '; not their free-text description or creator'}. Nothing about clicks or visitors.`,
    ],
    weakened: weakenedSettings(config),
    settings: {
      'privacy.ipv4_prefix': p.ipv4Prefix,
      'privacy.ipv6_prefix': p.ipv6Prefix,
      'privacy.honor_dnt': p.honorDnt,
      'privacy.honor_gpc': p.honorGpc,
      'privacy.dnt_mode': p.dntMode,
      'privacy.referrer': p.referrer,
      'privacy.user_agent': p.userAgent,
      'privacy.country': p.country,
      ...(p.country === 'country' ? { 'privacy.country_db': config.privacy.country_db, 'privacy.country_db_max_age_days': config.privacy.country_db_max_age_days } : {}),
      'privacy.utm_term_content': p.utmTermContent,
      'privacy.scanner_ranges': config.privacy.scanner_ranges,
      'privacy.scanner_referrer_hosts': config.privacy.scanner_referrer_hosts,
      'privacy.scanner_user_agents': config.privacy.scanner_user_agents,
      'privacy.retention_days': days,
      'privacy.operator_name': config.privacy.operator_name,
      'privacy.operator_contact': config.privacy.operator_contact,
      ...sink.noticeSettings(config),
      'server.referrer_policy': config.server.referrer_policy,
      'server.trust_proxy': config.server.trust_proxy,
      'storage.data_dir': config.storage.data_dir,
    },
  };
}
