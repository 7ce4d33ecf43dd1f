/**
 * What the public listener (redirect/public-app.ts) is given: the mirror's lookups, the
 * click path, the client-address rules, the rate limit and the events, mapped from the
 * settings and the opened stages. Everything here runs per request: closures over values
 * resolved once, no configuration read per call.
 */
import type { Settings } from '../config/settings.js';
import type { SessionKeyStore } from '../keys/index.js';
import { isShed } from '../mirror/lookup/miss-lookup.js';
import type { ServingMirror } from '../mirror/mirror-view.js';
import type { OptOutPagesHolder } from '../notice/opt-out-cookie.js';
import { createSharedRateLimiter, type SharedBuckets } from '../lib/shared-rate-limit.js';
import type { ClickRate } from '../observe/click-rate.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { Outbox } from '../outbox/index.js';
import { resolveClientIp, truncateIp, type PrivacyPolicy } from '../privacy/index.js';
import type { ConnectionDrain } from '../http/drain.js';
import type { PublicAppDeps } from '../http/public/public-app.js';
import type { Uws } from '../http/uws.js';
import type { clickEvents, requestEvents } from './serving-events.js';
import { createRecordClick } from './record-click.js';
import { rateLimiterFor } from './serving-stages.js';
import type { Clock } from '../lib/rate-limit.js';
import type { TlsFiles } from './uws-loading.js';

export interface PublicStages {
  uws: Uws;
  tls: TlsFiles | null;
  /** The Mirror on the main thread; a MirrorView of its shared table on the other serving threads. */
  mirror: ServingMirror;
  /** This serving thread's outbox shard. */
  outbox: Outbox;
  /** The SessionKeyStore on the main thread; SharedSessionKeys asking it on the others. */
  keys: Pick<SessionKeyStore, 'keyFor'>;
  /** Told after each commit (null standalone: nothing to ship). */
  shipper: { notify(): void } | null;
  policy: PrivacyPolicy;
  rate: ClickRate;
  drain: ConnectionDrain;
  metrics: Metrics;
  log: Logger;
  clicks: ReturnType<typeof clickEvents>;
  requests: ReturnType<typeof requestEvents>;
  /** What the token buckets refill by; the wall clock unless a test brings its own. */
  clock?: Clock;
  /**
   * /privacy/opt-out and /privacy/opt-in as served now: rendered by the main thread
   * (service/opt-out-pages.ts) for every serving thread, again when the country database is replaced.
   */
  optOutPages: Readonly<OptOutPagesHolder>;
  /** server.threads > 1: the rate limit's buckets in shared memory, one limit for every thread. */
  sharedBuckets?: SharedBuckets | null;
}

export function publicAppDeps(s: Settings, d: PublicStages): PublicAppDeps {
  const { mirror, outbox, shipper, clicks, requests, metrics } = d;
  const { ipv4_prefix: v4, ipv6_prefix: v6 } = s.privacy;
  const trusted = s.trustedProxies;
  const limiter = d.sharedBuckets && s.server.rate_limit_per_second > 0 ? createSharedRateLimiter(d.sharedBuckets, s.server.rate_limit_per_second, s.server.rate_limit_burst, d.clock) : rateLimiterFor(s, d.clock);
  const redirectsByStatus = new Map<number, { inc(): void }>();
  return {
    uws: d.uws,
    tls: d.tls,
    behindProxy: s.server.trust_proxy.length > 0,
    lookup: (id) => mirror.lookup(id),
    ...(!s.standalone && s.sync.miss_lookup
      ? { lookupMiss: async (id: string, ip: string) => {
          const link = await mirror.answerMiss(id, truncateIp(ip, v4, v6) ?? ip);
          if (isShed(link)) return { retryAfterSeconds: link.retryAfterSeconds };
          return link ? { url: link.original_url, active: link.is_active } : null;
        } }
      : {}),
    record: createRecordClick({
      policy: d.policy,
      keys: d.keys,
      outbox,
      durable: s.durable,
      failClosed: s.failClosed,
      events: clicks,
      committed: shipper ? () => shipper.notify() : () => undefined,
      rate: d.rate,
    }),
    withdraw: (done) => outbox.withdraw(done),
    // forwarded() is called only for a trusted peer: with no trust_proxy, never.
    clientIp: (peer, forwarded) => resolveClientIp(peer, forwarded, trusted),
    onUntrustedForwarding: (peer) => requests.untrustedForwarding(peer),
    onRefused: (reason) => requests.refused(reason),
    onAbandoned: () => requests.abandoned(),
    ...(limiter ? { rateLimit: (ip: string) => limiter.take(truncateIp(ip, v4, v6) ?? ip) } : {}),
    redirectStatus: s.server.redirect_status,
    referrerPolicy: s.server.referrer_policy,
    failClosed: s.failClosed,
    onError: (err) => d.log.error({ event: 'request_failed', err }, 'unexpected error while answering a request'),
    onPrefetch: () => clicks.dropped('prefetch'),
    optOutPages: d.optOutPages,
    onAnswer: (status, startedAt) => {
      let c = redirectsByStatus.get(status);
      if (!c) redirectsByStatus.set(status, (c = metrics.redirects.labels({ status: String(status) })));
      c.inc();
      if (startedAt !== 0) metrics.redirectSeconds.observe((performance.now() - startedAt) / 1000);
    },
    drain: d.drain,
    mirrorLoaded: () => mirror.loaded,
  };
}
