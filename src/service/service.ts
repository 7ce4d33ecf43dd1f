/**
 * `clickrelay serve`: the four stages joined, here and nowhere else.
 *
 *   mirror ──lookup──▶ redirect ──raw click──▶ privacy ──record──▶ outbox ◀── shipper
 *
 * Start order makes the service useful as early as possible: the outbox and the mirror
 * file are opened first, the listeners next (serving the last good mirror at once), and
 * only then the first sync and the shipper, which may wait on a slow main system.
 */
import { readFileSync } from 'node:fs';
import cron from 'node-cron';
import type { Config } from '../config/schema.js';
import { SessionKeyStore } from '../keys/index.js';
import { Mirror, MIRROR_THREAD_NICE, readApiKey, threadPriorityUnavailable } from '../mirror/index.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { Outbox } from '../outbox/index.js';
import { createAnalyticsRoute } from '../audit/index.js';
import { parseTrustedProxies, policyFromConfig, resolveClientIp, truncateIp } from '../privacy/index.js';
import { createAdminApp } from '../redirect/admin-app.js';
import { listen, type Listening } from '../redirect/listen.js';
import { createPublicApp, type PublicAppDeps } from '../redirect/public-app.js';
import { createRateLimiter } from '../redirect/rate-limit.js';
import { describeBuild, loadUws, type UwsBuild } from '../redirect/uws.js';
import { createShipper, type Shipper } from '../shipper/index.js';
import { mainSystemAdapter } from '../main-system/adapter.js';
import { openClickSink } from '../main-system/postgres/index.js';
import { clickEvents, mirrorEvents, shipperEvents } from './events.js';
import { createRecordClick } from './record-click.js';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.js';

export interface RunningService {
  publicPort: number;
  adminPort: number;
  build: UwsBuild;
  metrics: Metrics;
  mirror: Mirror;
  outbox: Outbox;
  shipper: Shipper | null;
  /** Stop accepting, let in-flight shipping finish within a bound, commit everything queued. */
  stop(): Promise<void>;
  /** SIGHUP: re-read the TLS certificate and key (a renewed certificate) without a restart. */
  reloadTls(): Promise<boolean>;
}

/** How long SIGTERM lets an in-flight shipping request finish before abandoning it (it stays pending). */
const SHIP_STOP_GRACE_MS = 5_000;
/** Retention purges (clicks and session keys) run hourly; click purges go in small transactions between commits. */
const RETENTION_SCHEDULE = '17 * * * *';
/** No proxy is trusted (the default): forwarding headers are not even read. */
const NO_FORWARDING = Object.freeze({});

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const { uws, build } = loadUws({ allowJsFallback: config.server.allow_js_fallback });
  if (build.native) log.info({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)}`);
  else log.warn({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)} — no native build loads here (${build.skipped.join('; ')})`);
  const tls = config.server.tls_cert_file ? { certFile: config.server.tls_cert_file, keyFile: config.server.tls_key_file } : null;
  if (tls && !build.tls) throw new Error(`server.tls_cert_file is set, but the loaded uWebSockets.js build (${describeBuild(build)}) cannot serve TLS: terminate TLS in a proxy (README) or run a Node/glibc pair with a TLS build`);

  const metrics = createMetrics();
  metrics.uwsBuild.set({ package: build.package, version: build.version, native: String(build.native), tls: String(build.tls) }, 1);
  const dataDir = config.storage.data_dir;

  const outbox = await Outbox.open({ dataDir, durability: config.outbox.durability, commitIntervalMs: config.outbox.commit_interval_ms });
  const keys = SessionKeyStore.open(dataDir);
  if (keys.recovered) log.warn({ event: 'session_keys_recovered' }, keys.recovered);
  const mirror = await Mirror.open({ config, hooks: mirrorEvents(log, metrics) });
  const noNice = threadPriorityUnavailable();
  if (noNice) log.warn({ event: 'mirror_priority_unavailable', reason: noNice }, `the mirror thread cannot lower its priority to nice ${MIRROR_THREAD_NICE} (${noNice}): a full re-sync will compete with redirects for the CPU. Allow setpriority (systemd: SystemCallFilter=setpriority)`);

  const adapter = mainSystemAdapter(config.main_system);
  const shipping = adapter !== null;
  metrics.mainSystemInfo.set({ adapter: adapter ?? 'none' }, 1);
  const shipper = shipping
    ? createShipper({
        outbox,
        baseUrl: config.main_system.base_url,
        apiKey: adapter === 'http' ? readApiKey(config.main_system).reveal() : '',
        ...(adapter === 'postgres' ? { sink: openClickSink(config.main_system, config.shipper.concurrency) } : {}),
        mode: config.shipper.mode,
        batchSize: config.shipper.batch_size,
        lingerMs: config.shipper.linger_ms,
        concurrency: config.shipper.concurrency,
        timeoutMs: config.main_system.timeout_ms,
        maxBackoffMs: config.shipper.max_backoff_ms,
        onEvent: shipperEvents(log, metrics),
      })
    : null;

  const policy = policyFromConfig(config.privacy, config.main_system.base_url);
  const trusted = parseTrustedProxies(config.server.trust_proxy);
  const limiter = config.server.rate_limit_per_second > 0 ? createRateLimiter(config.server.rate_limit_per_second, config.server.rate_limit_burst) : null;
  const redirectsByStatus = new Map<number, { inc(): void }>();

  const publicDeps: PublicAppDeps = {
    uws,
    tls,
    lookup: (id) => mirror.lookup(id),
    ...(shipping && config.sync.miss_lookup
      ? { lookupMiss: async (id: string) => {
          const link = await mirror.lookupMiss(id);
          return link ? { url: link.original_url, active: link.is_active } : null;
        } }
      : {}),
    record: createRecordClick({
      policy,
      keys,
      outbox,
      durable: config.outbox.durability === 'durable',
      failClosed: config.outbox.on_write_error === 'fail-closed',
      events: clickEvents(log, metrics),
      committed: shipper ? () => shipper.notify() : () => undefined,
    }),
    clientIp: (peer, forwarded) => resolveClientIp(peer, trusted.size === 0 ? NO_FORWARDING : forwarded(), trusted),
    ...(limiter
      ? { rateLimit: (ip: string) => limiter.take(truncateIp(ip, config.privacy.ipv4_prefix, config.privacy.ipv6_prefix) ?? ip) }
      : {}),
    redirectStatus: config.server.redirect_status,
    referrerPolicy: config.server.referrer_policy,
    failClosed: config.outbox.on_write_error === 'fail-closed',
    onError: (err) => log.error({ event: 'request_failed', err }, 'unexpected error while answering a request'),
    onAnswer: (status) => {
      let c = redirectsByStatus.get(status);
      if (!c) redirectsByStatus.set(status, (c = metrics.redirects.labels({ status: String(status) })));
      c.inc();
    },
  };

  const refreshGauges = async () => {
    const s = await outbox.stats();
    metrics.outboxPending.set(s.pending);
    metrics.outboxDeadLetter.set(s.dead_letter);
    metrics.outboxOldestPendingSeconds.set(s.oldest_pending ? Math.max(0, (Date.now() - Date.parse(s.oldest_pending)) / 1000) : 0);
    if (shipper) metrics.shipInFlight.set(shipper.stats().inFlight);
    const index = mirror.holder.current;
    const counts = index.counts();
    metrics.mirrorIndexBytes.set(index.bytes);
    metrics.mirrorLinks.set({ state: 'active' }, counts.active);
    metrics.mirrorLinks.set({ state: 'inactive' }, counts.inactive);
  };

  const analytics = createAnalyticsRoute(dataDir);
  const adminApp = createAdminApp({
    uws,
    token: config.admin.token_file ? readFileSync(config.admin.token_file, 'utf8').trim() : null,
    isReady: () => mirror.holder.size > 0 || mirror.lastResult !== null,
    metrics: async () => {
      await refreshGauges();
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
    jsonRoutes: { '/api/link-tracking/analytics/:id': ([id]) => analytics(id ?? '') },
  });

  let publicApp = createPublicApp(publicDeps);
  const opened: Listening[] = [];
  try {
    opened.push(await listen(uws, publicApp, config.server.host, config.server.port, 'public listener'));
    opened.push(await listen(uws, adminApp, config.admin.host, config.admin.port, 'admin listener'));
  } catch (err) {
    for (const l of opened) l.close();
    await Promise.all([outbox.close(), mirror.stop()]);
    throw err;
  }
  let publicListener = opened[0]!;
  const adminListener = opened[1]!;
  log.info(
    { event: 'listening', public: `${config.server.host}:${publicListener.port}`, admin: `${config.admin.host}:${adminListener.port}`, tls: tls !== null, durability: config.outbox.durability, shipping },
    `serving ${tls ? 'https' : 'http'}://${config.server.host}:${publicListener.port}/track/{id}, admin on ${config.admin.host}:${adminListener.port}`,
  );
  writeRuntimeFile(dataDir, {
    pid: process.pid,
    started_at: new Date().toISOString(),
    node: process.versions.node,
    uws_build: build,
    public_port: publicListener.port,
    admin_port: adminListener.port,
    tls: tls !== null,
  });

  mirror.start({ runAtStart: true });
  shipper?.start();
  const purgeExpired = (): void => {
    // Session keys past 48 h go even on a day without clicks (keyFor only tidies on use).
    keys.purgeExpired();
    // Standalone, nothing is ever shipped: retention applies to the clicks as they are.
    outbox.purgeExpired(config.privacy.retention_days, { unshipped: !shipping }).then(
      (n) => n > 0 && log.info({ event: 'retention_purge', purged: n }, `${shipping ? 'shipped ' : ''}clicks past retention purged`),
      (err: Error) => log.error({ event: 'retention_purge_failed' }, err.message),
    );
  };
  // Hourly, and once now: a server that was down for a while does not wait for the hour.
  const retention = cron.schedule(RETENTION_SCHEDULE, purgeExpired);
  purgeExpired();

  let stopping: Promise<void> | undefined;
  return {
    publicPort: publicListener.port,
    adminPort: adminListener.port,
    build,
    metrics,
    mirror,
    outbox,
    shipper,
    async reloadTls() {
      if (!tls || stopping) return false;
      // A new SSLApp reads the files again; the old listen socket closes just before the new
      // one binds (exclusive port), so new connections are refused for well under a millisecond.
      const app = createPublicApp(publicDeps);
      const port = publicListener.port;
      publicListener.close();
      try {
        publicListener = await listen(uws, app, config.server.host, port, 'public listener');
        publicApp = app;
      } catch (err) {
        publicListener = await listen(uws, publicApp, config.server.host, port, 'public listener');
        throw err;
      }
      log.info({ event: 'tls_reloaded' }, 'TLS certificate and key reloaded');
      return true;
    },
    stop() {
      stopping ??= (async () => {
        publicListener.close();
        adminListener.close();
        await retention.stop();
        await mirror.stop();
        await shipper?.stop({ graceMs: SHIP_STOP_GRACE_MS });
        await outbox.close();
        analytics.close();
        removeRuntimeFile(dataDir);
        log.info({ event: 'stopped' }, 'stopped: every queued click committed');
      })();
      return stopping;
    },
  };
}
