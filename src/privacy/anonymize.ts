/**
 * THE normalizer: (raw click, policy) → the record that is stored and shipped. Every
 * personal field is reduced here and nowhere else; the outbox and shipper only carry
 * what this returns. Pure: no I/O, no clock (receivedAt is given), no randomness
 * (clickId and the session key are given).
 */
import { createHmac } from 'node:crypto';
import type { ClickMetadata, ClickRecord, ClickSource, UtmKey } from '../types.js';
import { isBot } from './bot.js';
import { sourceFromParam, sourceFromReferrer } from './click-source.js';
import { dottedQuadToUint, truncateIp, truncateV4 } from './ip.js';
import { memoizeString } from './memo.js';
import type { PrivacyPolicy, UtmFreeTextMode } from './policy.js';
import { isPersonalDataMarker } from './personal-data.js';
import { extractQuery } from './query.js';
import { parseHttpReferrer, reduceParsedReferrer } from './referrer.js';
import { sessionId } from './session.js';
import { isoDay, isoTimestamp } from './timestamp.js';
import { isAnonymousRequest } from './tracking-signals.js';
import { classifyScannerVerdict, scannerOfReferrerHost, type ScannerEvidence } from './scanner.js';
import { reduceUserAgent } from './user-agent.js';

/** What the redirect stage read from the request, untouched. Header values may be "" (uWS) or undefined. */
export interface RawClick {
  trackingId: string;
  /** Already resolved through trusted proxies (resolveClientIp), not yet truncated. */
  clientIp: string;
  userAgent?: string | undefined;
  referer?: string | undefined;
  dnt?: string | undefined;
  gpc?: string | undefined;
  /** The opt-out cookie (/privacy/opt-out) came with the request: treated like an honoured DNT. */
  optedOut?: boolean | undefined;
  /** The query string without or with its leading "?". */
  rawQuery: string;
  receivedAt: Date;
}

export interface AnonymizeContext {
  /** UUIDv7 made by the caller. */
  clickId: string;
  /** The session key of utcDay(raw.receivedAt) (SessionKeyStore.keyFor). */
  sessionKey: Buffer;
  /**
   * Out: set by anonymizeClick to what decided metadata.scanner ("address", "user_agent"),
   * or "referrer_only" when only a gateway's Referer pointed to one and the click was kept
   * as a person's, or null. Never stored: it is for the service's counters.
   */
  scannerEvidence?: ScannerEvidence | null;
}

/**
 * The stored form of a click, or null when it must not be recorded at all (DNT/GPC with
 * dnt_mode = "drop").
 *
 * Anonymous clicks (honoured DNT/GPC or the opt-out cookie, dnt_mode = "count") keep only
 * what cannot single a person out: tracking_id, time, click_source, the UTM values and the
 * bot and scanner flags (never the country). Three of those are derived from data that is
 * then discarded:
 * - click_source is taken from `src` or the referrer's host before the referrer is
 *   dropped: "came from webmail" is a category, not a trace of the person.
 * - the bot flag is computed from the raw UA: one bit about the software, and it keeps
 *   crawlers that send DNT out of the human counts.
 * - the scanner name (scanner.ts) comes from the full address and the UA, read before
 *   anything is truncated; only the gateway's name is kept. A gateway's referrer alone
 *   leaves the click a person's (ctx.scannerEvidence = "referrer_only" says so).
 * session_id needs an address to mean anything: it is NULL whenever ip_address is.
 * The session uses the reduced UA even when privacy.user_agent is "full" or "none", so
 * ids do not change meaning with that setting and never hash more than the reduced form.
 */
export function anonymizeClick(raw: RawClick, policy: PrivacyPolicy, ctx: AnonymizeContext): ClickRecord | null {
  // The opt-out cookie is honoured whatever honor_dnt says: the person asked this site itself.
  const anonymous = raw.optedOut === true || isAnonymousRequest(raw.dnt, raw.gpc, policy);
  if (anonymous && policy.dntMode === 'drop') {
    ctx.scannerEvidence = null; // nothing recorded, nothing to count
    return null;
  }

  const memo = memoFor(policy);
  const query = raw.rawQuery === '' ? NO_QUERY : memo.query(raw.rawQuery);
  const referrer = raw.referer ? memo.referrer(raw.referer) : NO_REFERRER;
  // = deriveClickSource(src, referrer host, dashboard host): a valid `src` wins.
  const clickSource = query.source ?? referrer.source;
  // Scanner and bot are one name and one bit about the software, derived from the full
  // request before it is reduced, and kept even for anonymous clicks so that gateways and
  // crawlers sending DNT stay out of the human counts. The country is about the person:
  // only for clicks that keep an address at all.
  // The address is parsed once (-1: not dotted IPv4) for the scanner ranges and the truncation.
  const v4 = dottedQuadToUint(raw.clientIp);
  const verdict = classifyScannerVerdict(raw.clientIp, referrer.scanner, raw.userAgent, policy.scanners, v4);
  const scanner = verdict.scanner;
  ctx.scannerEvidence = verdict.evidence;
  const country = anonymous || policy.countryOf === null ? null : policy.countryOf(raw.clientIp);
  const metadata = withFlags(query.utm(policy.utmTermContent, ctx.sessionKey), isBot(raw.userAgent), scanner, country);
  const clickedAt = isoTimestamp(raw.receivedAt);

  if (anonymous) {
    return {
      click_id: ctx.clickId,
      tracking_id: raw.trackingId,
      clicked_at: clickedAt,
      ip_address: null,
      user_agent: null,
      referrer_url: null,
      session_id: null,
      click_source: clickSource,
      metadata,
      anonymous: true,
    };
  }

  const ip = v4 >= 0 ? truncateV4(v4, policy.ipv4Prefix) : truncateIp(raw.clientIp, policy.ipv4Prefix, policy.ipv6Prefix);
  const reducedUa = reduceUserAgent(raw.userAgent, 'reduced');
  const userAgent = policy.userAgent === 'reduced' ? reducedUa : reduceUserAgent(raw.userAgent, policy.userAgent);
  return {
    click_id: ctx.clickId,
    tracking_id: raw.trackingId,
    clicked_at: clickedAt,
    ip_address: ip,
    user_agent: userAgent,
    referrer_url: referrer.reduced,
    session_id: ip === null ? null : sessionId(ctx.sessionKey, ip, reducedUa ?? '', isoDay(raw.receivedAt)),
    click_source: clickSource,
    metadata,
    anonymous: false,
  };
}

/*
 * Memos. The query string and the referrer are parsed (URLSearchParams, the WHATWG URL parser)
 * for every click, a large part of the normalizer's cost, yet real traffic repeats them: a link's
 * query is the sender's UTM tags, and browsers send cross-site referrers as bare origins
 * ("https://mail.google.com/"). So what this function derives from each is remembered per
 * policy, in bounded memos (memo.ts: cleared when full, so memory stays flat whatever clients
 * send). They live only in this process's memory, like the user-agent memos beside them:
 * nothing in them is stored, logged or shipped that was not already.
 *
 * The results are shared between clicks, so they are frozen: `metadata` of a returned record is
 * the same frozen object for every click with the same query and bot flag (which also lets
 * the outbox reuse its JSON text).
 */

interface QueryFacts {
  /** The UTM values as privacy.utm_term_content keeps them (hashing needs the day's key). */
  utm(mode: UtmFreeTextMode, dayKey: Buffer): ClickMetadata;
  /** click_source from a valid `src` value, or null: the referrer decides. */
  source: ClickSource | null;
}

interface ReferrerFacts {
  /** click_source when no valid `src` is given */
  source: ClickSource;
  /** referrer_url as policy.referrer allows it */
  reduced: string | null;
  /** The security gateway whose rewriting/sandbox host the referrer names, or null. */
  scanner: string | null;
}

interface PolicyMemo {
  query(rawQuery: string): QueryFacts;
  referrer(rawReferer: string): ReferrerFacts;
}

/** The two UTM keys a sender fills with free text (search terms, ad copy, sometimes an address). */
const FREE_TEXT_KEYS: readonly UtmKey[] = ['utm_term', 'utm_content'];

/**
 * A hashed utm_term/utm_content: HMAC-SHA-256 under the day's session key, domain-separated
 * from session ids by its "utm" prefix. Equal values group within a UTC day, as sessions do;
 * across days, or without the key (deleted after 48 h), they cannot be linked or reversed by
 * guessing — a plain hash of an e-mail address or phone number could be.
 */
export function hashUtmValue(dayKey: Buffer, value: string): string {
  return `h_${createHmac('sha256', dayKey).update(`utm\0${value}`).digest('hex').slice(0, 16)}`;
}

/** What utm_term / utm_content become under privacy.utm_term_content = "hash". */
export const HASHED_UTM_VALUE = /^h_[0-9a-f]{16}$/;

function queryFacts(rawQuery: string): QueryFacts {
  const q = extractQuery(rawQuery);
  const kept = Object.freeze({ ...q.utm });
  const hasFreeText = FREE_TEXT_KEYS.some((k) => q.utm[k] !== undefined);
  if (!hasFreeText) return { utm: () => kept, source: sourceFromParam(q.src) };
  const dropped = { ...q.utm };
  for (const k of FREE_TEXT_KEYS) delete dropped[k];
  const droppedFrozen = Object.freeze(dropped);
  // The hashed form depends on the day's key: the last one is remembered (one a day).
  let hashKey: Buffer | null = null;
  let hashed: ClickMetadata = kept;
  return {
    source: sourceFromParam(q.src),
    utm(mode, dayKey) {
      if (mode === 'keep') return kept;
      if (mode === 'drop') return droppedFrozen;
      if (hashKey !== dayKey) {
        const h: ClickMetadata = { ...q.utm };
        for (const k of FREE_TEXT_KEYS) {
          const v = q.utm[k];
          // A marker (personal-data.ts) stays a marker: its hash would only hide what it says.
          if (v !== undefined && !isPersonalDataMarker(v)) h[k] = hashUtmValue(dayKey, v);
        }
        hashed = Object.freeze(h);
        hashKey = dayKey;
      }
      return hashed;
    },
  };
}

function referrerFacts(rawReferer: string | undefined, policy: PrivacyPolicy): ReferrerFacts {
  const url = parseHttpReferrer(rawReferer);
  return Object.freeze({
    source: sourceFromReferrer(url?.hostname ?? null, policy.dashboardHost),
    reduced: reduceParsedReferrer(url, policy.referrer),
    scanner: scannerOfReferrerHost(url?.hostname ?? null, policy.scanners),
  });
}

const EMPTY_UTM: ClickMetadata = Object.freeze({});
const NO_QUERY: QueryFacts = Object.freeze({ utm: () => EMPTY_UTM, source: null });
const NO_REFERRER: ReferrerFacts = Object.freeze({ source: 'direct', reduced: null, scanner: null });

/**
 * The UTM values plus the flags, as one frozen object shared by every click with the same
 * values and flags (so the outbox reuses its JSON text). Most clicks have no flag and get
 * the UTM object itself; the rest hit a small map per UTM object.
 */
const flagged = new WeakMap<ClickMetadata, Map<string, ClickMetadata>>();
const FLAG_MEMO_LIMIT = 512;

function withFlags(utm: ClickMetadata, bot: boolean, scanner: string | null, country: string | null): ClickMetadata {
  if (!bot && scanner === null && country === null) return utm;
  const key = `${bot ? 1 : 0}|${scanner ?? ''}|${country ?? ''}`;
  let byFlags = flagged.get(utm);
  if (byFlags === undefined) flagged.set(utm, (byFlags = new Map()));
  let m = byFlags.get(key);
  if (m === undefined) {
    const out: ClickMetadata = { ...utm };
    if (bot) out.bot = true;
    if (scanner !== null) out.scanner = scanner;
    if (country !== null) out.country = country;
    m = Object.freeze(out);
    if (byFlags.size >= FLAG_MEMO_LIMIT) byFlags.clear();
    byFlags.set(key, m);
  }
  return m;
}

const memos = new WeakMap<PrivacyPolicy, PolicyMemo>();
// A service has one policy: the last one's memo is kept at hand, without the WeakMap lookup.
let lastPolicy: PrivacyPolicy | null = null;
let lastMemo: PolicyMemo | null = null;

function memoFor(policy: PrivacyPolicy): PolicyMemo {
  if (policy === lastPolicy) return lastMemo!;
  let memo = memos.get(policy);
  if (memo === undefined) {
    // truncateV4 takes the prefix as valid: a policy with one out of range throws here, as
    // truncateIp would on every click.
    truncateIp('0.0.0.0', policy.ipv4Prefix, policy.ipv6Prefix);
    memo = {
      query: memoizeString(queryFacts),
      referrer: memoizeString((r) => referrerFacts(r, policy)),
    };
    memos.set(policy, memo);
  }
  lastPolicy = policy;
  lastMemo = memo;
  return memo;
}
