/**
 * THE normalizer: (raw click, policy) → the record that is stored and shipped. Every
 * personal field is reduced here and nowhere else; the outbox and shipper only carry
 * what this returns. Pure: no I/O, no clock (receivedAt is given), no randomness
 * (clickId and the session key are given).
 */
import type { ClickMetadata, ClickRecord, ClickSource } from '../types.js';
import { isBot } from './bot.js';
import { sourceFromParam, sourceFromReferrer } from './click-source.js';
import { truncateIp } from './ip.js';
import { memoizeString } from './memo.js';
import type { PrivacyPolicy } from './policy.js';
import { extractQuery } from './query.js';
import { parseHttpReferrer, reduceParsedReferrer } from './referrer.js';
import { sessionId } from './session.js';
import { isoTimestamp } from './timestamp.js';
import { isAnonymousRequest } from './tracking-signals.js';
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
  /** The query string without or with its leading "?". */
  rawQuery: string;
  receivedAt: Date;
}

export interface AnonymizeContext {
  /** UUIDv7 made by the caller. */
  clickId: string;
  /** The session key of utcDay(raw.receivedAt) (SessionKeyStore.keyFor). */
  sessionKey: Buffer;
}

/**
 * The stored form of a click, or null when it must not be recorded at all (DNT/GPC with
 * dnt_mode = "drop").
 *
 * Anonymous clicks (honoured DNT/GPC, dnt_mode = "count") keep only what cannot single a
 * person out: tracking_id, time, click_source, the UTM values and the bot flag. Two of
 * those are derived from data that is then discarded:
 * - click_source is taken from `src` or the referrer's host before the referrer is
 *   dropped: "came from webmail" is a category, not a trace of the person.
 * - the bot flag is computed from the raw UA: one bit about the software, and it keeps
 *   crawlers that send DNT out of the human counts.
 * session_id needs an address to mean anything: it is NULL whenever ip_address is.
 * The session uses the reduced UA even when privacy.user_agent is "full" or "none", so
 * ids do not change meaning with that setting and never hash more than the reduced form.
 */
export function anonymizeClick(raw: RawClick, policy: PrivacyPolicy, ctx: AnonymizeContext): ClickRecord | null {
  const anonymous = isAnonymousRequest(raw.dnt, raw.gpc, policy);
  if (anonymous && policy.dntMode === 'drop') return null;

  const memo = memoFor(policy);
  const query = raw.rawQuery === '' ? NO_QUERY : memo.query(raw.rawQuery);
  const referrer = raw.referer ? memo.referrer(raw.referer) : NO_REFERRER;
  // = deriveClickSource(src, referrer host, dashboard host): a valid `src` wins.
  const clickSource = query.source ?? referrer.source;
  const metadata = isBot(raw.userAgent) ? query.botMetadata : query.metadata;
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

  const ip = truncateIp(raw.clientIp, policy.ipv4Prefix, policy.ipv6Prefix);
  const reducedUa = reduceUserAgent(raw.userAgent, 'reduced');
  const userAgent = policy.userAgent === 'reduced' ? reducedUa : reduceUserAgent(raw.userAgent, policy.userAgent);
  return {
    click_id: ctx.clickId,
    tracking_id: raw.trackingId,
    clicked_at: clickedAt,
    ip_address: ip,
    user_agent: userAgent,
    referrer_url: referrer.reduced,
    // clickedAt's first 10 characters are utcDay(receivedAt); no need to format the date twice.
    session_id: ip === null ? null : sessionId(ctx.sessionKey, ip, reducedUa ?? '', clickedAt.slice(0, 10)),
    click_source: clickSource,
    metadata,
    anonymous: false,
  };
}

/*
 * Memos. The query string and the referrer are parsed (URLSearchParams, the WHATWG URL parser)
 * for every click, ~1.5 µs of the redirect's budget, yet real traffic repeats them: a link's
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
  metadata: ClickMetadata;
  botMetadata: ClickMetadata;
  /** click_source from a valid `src` value, or null: the referrer decides. */
  source: ClickSource | null;
}

interface ReferrerFacts {
  /** click_source when no valid `src` is given */
  source: ClickSource;
  /** referrer_url as policy.referrer allows it */
  reduced: string | null;
}

interface PolicyMemo {
  query(rawQuery: string): QueryFacts;
  referrer(rawReferer: string): ReferrerFacts;
}

function queryFacts(rawQuery: string): QueryFacts {
  const q = extractQuery(rawQuery);
  return {
    metadata: Object.freeze({ ...q.utm }),
    botMetadata: Object.freeze({ ...q.utm, bot: true }),
    source: sourceFromParam(q.src),
  };
}

function referrerFacts(rawReferer: string | undefined, policy: PrivacyPolicy): ReferrerFacts {
  const url = parseHttpReferrer(rawReferer);
  return Object.freeze({
    source: sourceFromReferrer(url?.hostname ?? null, policy.dashboardHost),
    reduced: reduceParsedReferrer(url, policy.referrer),
  });
}

const NO_QUERY: QueryFacts = Object.freeze({ metadata: Object.freeze({}), botMetadata: Object.freeze({ bot: true }), source: null });
const NO_REFERRER: ReferrerFacts = Object.freeze({ source: 'direct', reduced: null });

const memos = new WeakMap<PrivacyPolicy, PolicyMemo>();

function memoFor(policy: PrivacyPolicy): PolicyMemo {
  let memo = memos.get(policy);
  if (memo === undefined) {
    memo = {
      query: memoizeString(queryFacts),
      referrer: memoizeString((r) => referrerFacts(r, policy)),
    };
    memos.set(policy, memo);
  }
  return memo;
}
