/**
 * `clickrelay serve`: the four stages joined, here and nowhere else.
 *
 *   mirror ──lookup──▶ redirect ──raw click──▶ privacy ──record──▶ outbox ◀── shipper
 *
 * Start order makes the service useful as early as possible: the outbox and the mirror
 * file are opened first, the listeners next (serving the last good mirror at once), and
 * only then the first sync and the shipper, which may wait on a slow main system.
 */
import cron from 'node-cron';
import type { Config } from '../config/schema.js';
import { ClickrelayError } from '../errors.js';
import { SessionKeyStore } from '../keys/index.js';
import { isShed, linksFileSource, Mirror, MIRROR_THREAD_NICE, readSyncRecord, threadPriorityUnavailable } from '../mirror/index.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { Outbox } from '../outbox/index.js';
import { buildPrivacyNotice, optOutPages } from '../audit/index.js';
import { parseTrustedProxies, policyFromConfig, resolveClientIp, truncateIp } from '../privacy/index.js';
import { createAdminApp } from '../redirect/admin-app.js';
import { ConnectionDrain } from '../redirect/drain.js';
import { listen, type Listening } from '../redirect/listen.js';
import { createPublicApp, type PublicAppDeps } from '../redirect/public-app.js';
import { createRateLimiter } from '../redirect/rate-limit.js';
import { describeBuild, loadUws, type UwsBuild } from '../redirect/uws.js';
import { createShipper, type Shipper } from '../shipper/index.js';
import { analyticsRoutes } from './analytics-route.js';
import { adminEvents, clickEvents, mirrorEvents, requestEvents, shipperEvents } from './events.js';
import { readAdminToken } from './admin-token.js';
import { createMissAdmission } from './miss-admission.js';
import { openCountryDb } from './country-db.js';
import { mainSystemAdapter } from '../main-system/adapter.js';
import { mainSystemLinkLookup } from '../main-system/link-lookup.js';
import { mainSystemLinkSource } from '../main-system/link-source.js';
import { openClickSink } from '../main-system/click-sink.js';
import { readApiKey } from '../main-system/http/api-key.js';
import { createRecordClick } from './record-click.js';
import { removeRuntimeFile, runtimeSettings, writeRuntimeFile, type RuntimeInfo } from './runtime-file.js';
import { ShippingState } from './shipping-state.js';
import { describeWeakened, weakenedSettings } from '../audit/weakened.js';
import { SCHEMA_VERSION } from '../outbox/schema.js';
import { readHead } from '../outbox/head.js';
import { ClickRate } from '../observe/click-rate.js';
import { renderStatusPage, type StatusData } from '../observe/status-page.js';

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
/**
 * How long a stop waits for redirects already accepted (a durable commit: milliseconds; a miss
 * lookup: up to sync.miss_timeout_ms) before closing their connections unanswered.
 */
const DRAIN_GRACE_MS = 5_000;
/** Retention purges (clicks and session keys) run hourly; click purges go in small transactions between commits. */
const RETENTION_SCHEDULE = '17 * * * *';
/** serve.json is rewritten with the shipper's state at most this often. */
const RUNTIME_WRITE_INTERVAL_MS = 1_000;

export interface ServiceOptions {
  /** clickrelay's version, for serve.json and the status page */
  version: string;
  /** `serve --accept-new-outbox`: start past a damaged, emptied or cut-back outbox (src/outbox/open-checked.ts). */
  acceptNewOutbox?: boolean;
}

export async function startService(config: Config, log: Logger, opts: ServiceOptions = { version: 'unknown' }): Promise<RunningService> {
  // A weakened policy must never start silently: one warn line per setting, with what it means.
  const weakened = weakenedSettings(config);
  for (const w of weakened) log.warn({ event: 'privacy_weakened', code: 'CR_ERR_POLICY_WEAKENED', key: w.key, value: w.value, default: w.default }, `${describeWeakened(w)}: ${w.effect}`);

/** serve.json only tells `status` which build runs: a full disk must not stop the start for it. */
function writeRuntimeFileOrWarn(log: Logger, dataDir: string, info: Parameters<typeof writeRuntimeFile>[1]): void {
  try {
    writeRuntimeFile(dataDir, info);
  } catch (err) {
    log.warn({ event: 'runtime_file_unwritten' }, `${dataDir}/serve.json could not be written (status will not see this serve): ${(err as Error).message}`);
  }
}

  const { uws, build } = loadUws({ allowJsFallback: config.server.allow_js_fallback });
  if (build.native) log.info({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)}`);
  else log.warn({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)} — no native build loads here (${build.skipped.join('; ')})`);
  const tls = config.server.tls_cert_file ? { certFile: config.server.tls_cert_file, keyFile: config.server.tls_key_file } : null;
  if (tls && !build.tls) throw new ClickrelayError('CR_ERR_TLS_UNAVAILABLE', `server.tls_cert_file is set, but the loaded uWebSockets.js build (${describeBuild(build)}) cannot serve TLS: terminate TLS in a proxy (README) or run a Node/glibc pair with a TLS build (Node 22/24 on glibc >= 2.38)`);

  const metrics = createMetrics();
  metrics.outboxWritable.set(1);
  // Standalone there is no main system to be up or down: a 0 would page someone for nothing.
  if (mainSystemAdapter(config.main_system) === null) metrics.registry.removeSingleMetric('clickrelay_main_system_up');
  metrics.uwsBuild.set({ package: build.package, version: build.version, native: String(build.native), tls: String(build.tls) }, 1);
  const dataDir = config.storage.data_dir;

  const outbox = await Outbox.open({ dataDir, durability: config.outbox.durability, commitIntervalMs: config.outbox.commit_interval_ms, acceptNewOutbox: opts.acceptNewOutbox ?? false, startWhenFull: true });
  for (const note of outbox.startupNotes) log.error({ event: 'outbox_loss_accepted' }, note);
  // A restart during a disk-full episode still serves (fail-open: redirects without records;
  // fail-closed: 503 and /readyz not ready) and recording starts by itself once there is room.
  if (outbox.unavailable) log.error({ event: 'outbox_unavailable', code: 'CR_ERR_OUTBOX_WRITE' }, `serving without an outbox until it can be opened: ${outbox.unavailable}`);
  const keys = SessionKeyStore.open(dataDir);
  if (keys.recovered) log.warn({ event: 'session_keys_recovered' }, keys.recovered);
  if (keys.unsaved) log.warn({ event: 'session_keys_unsaved' }, keys.unsaved);
  // Read once, here: a missing key stops `serve` at start; the sync and the miss lookup share it.
  const mirrorKey = mainSystemAdapter(config.main_system) === 'http' ? readApiKey(config.main_system) : undefined;
  const mirror = await Mirror.open({ config, source: mainSystemLinkSource(config.main_system, config.sync.page_size, { apiKey: mirrorKey }) ?? linksFileSource(config.sync.file), lookup: mainSystemLinkLookup(config.main_system, config.sync.miss_timeout_ms, { apiKey: mirrorKey }), hooks: mirrorEvents(log, metrics, { mainSystem: mainSystemAdapter(config.main_system) !== null }), missAdmission: createMissAdmission(config.sync) });
  const noNice = threadPriorityUnavailable();
  if (noNice) log.warn({ event: 'mirror_priority_unavailable', reason: noNice }, `the mirror thread cannot lower its priority to nice ${MIRROR_THREAD_NICE} (${noNice}): a full re-sync will compete with redirects for the CPU. Allow setpriority (systemd: SystemCallFilter=setpriority)`);

  const adapter = mainSystemAdapter(config.main_system);
  const shipping = adapter !== null;
  metrics.mainSystemInfo.set({ adapter: adapter ?? 'none' }, 1);
  // serve.json is written once listening; until then the shipper's state only lives here.
  let runtime: RuntimeInfo | null = null;
  // A fast retry loop must not rewrite the file on the redirect thread many times a second:
  // at most once a second, the latest state last.
  let runtimeTimer: NodeJS.Timeout | null = null;
  let runtimeWrittenAt = 0;
  const flushRuntime = (): void => {
    runtimeTimer = null;
    runtimeWrittenAt = Date.now();
    if (runtime) writeRuntimeFileOrWarn(log, dataDir, runtime);
  };
  const shippingState = new ShippingState(shipping, (snapshot) => {
    if (!runtime) return;
    runtime = { ...runtime, shipping: snapshot };
    if (runtimeTimer) return;
    const wait = runtimeWrittenAt + RUNTIME_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) flushRuntime();
    else runtimeTimer = setTimeout(flushRuntime, wait);
  });
  const onShipperEvent = shipperEvents(log, metrics);
  const shipper = shipping
    ? createShipper({
        outbox,
        sink: openClickSink(config.main_system, { concurrency: config.shipper.concurrency })!,
        mode: config.shipper.mode,
        batchSize: config.shipper.batch_size,
        lingerMs: config.shipper.linger_ms,
        concurrency: config.shipper.concurrency,
        maxBackoffMs: config.shipper.max_backoff_ms,
        onEvent: (e) => {
          onShipperEvent(e);
          shippingState.note(e);
        },
      })
    : null;

  const failClosed = config.outbox.on_write_error === 'fail-closed';
  const rate = new ClickRate();
  const drain = new ConnectionDrain();
  const countryDb = config.privacy.country === 'country' ? openCountryDb() : null;
  if (countryDb) log.info({ event: 'country_db_loaded', file: countryDb.file, built_at: countryDb.builtAt }, `country database ${countryDb.file} (built ${countryDb.builtAt})`);
  const policy = policyFromConfig(config.privacy, config.main_system.base_url, { countryOf: countryDb?.lookup ?? null });
  const trusted = parseTrustedProxies(config.server.trust_proxy);
  const limiter = config.server.rate_limit_per_second > 0 ? createRateLimiter(config.server.rate_limit_per_second, config.server.rate_limit_burst) : null;
  const redirectsByStatus = new Map<number, { inc(): void }>();
  const clicks = clickEvents(log, metrics);
  const requests = requestEvents(log, metrics);

  const publicDeps: PublicAppDeps = {
    uws,
    tls,
    lookup: (id) => mirror.lookup(id),
    ...(shipping && config.sync.miss_lookup
      ? { lookupMiss: async (id: string, ip: string) => {
          const link = await mirror.answerMiss(id, truncateIp(ip, config.privacy.ipv4_prefix, config.privacy.ipv6_prefix) ?? ip);
          if (isShed(link)) return { retryAfterSeconds: link.retryAfterSeconds };
          return link ? { url: link.original_url, active: link.is_active } : null;
        } }
      : {}),
    record: createRecordClick({
      policy,
      keys,
      outbox,
      durable: config.outbox.durability === 'durable',
      failClosed: config.outbox.on_write_error === 'fail-closed',
      events: clicks,
      committed: shipper ? () => shipper.notify() : () => undefined,
      rate,
    }),
    withdraw: (done) => outbox.withdraw(done),
    // forwarded() is called only for a trusted peer: with no trust_proxy, never.
    clientIp: (peer, forwarded) => resolveClientIp(peer, forwarded, trusted),
    onUntrustedForwarding: (peer) => requests.untrustedForwarding(peer),
    onRefused: (reason) => requests.refused(reason),
    onAbandoned: () => requests.abandoned(),
    ...(limiter
      ? { rateLimit: (ip: string) => limiter.take(truncateIp(ip, config.privacy.ipv4_prefix, config.privacy.ipv6_prefix) ?? ip) }
      : {}),
    redirectStatus: config.server.redirect_status,
    referrerPolicy: config.server.referrer_policy,
    failClosed: config.outbox.on_write_error === 'fail-closed',
    onError: (err) => log.error({ event: 'request_failed', err }, 'unexpected error while answering a request'),
    onPrefetch: () => clicks.dropped('prefetch'),
    optOutPages: optOutPages(buildPrivacyNotice(config)),
    onAnswer: (status, startedAt) => {
      let c = redirectsByStatus.get(status);
      if (!c) redirectsByStatus.set(status, (c = metrics.redirects.labels({ status: String(status) })));
      c.inc();
      if (startedAt !== 0) metrics.redirectSeconds.observe((performance.now() - startedAt) / 1000);
    },
    drain,
    mirrorLoaded: () => mirror.loaded,
  };

  const refreshGauges = async () => {
    // An outbox that cannot be opened (disk full) has no figures: /metrics still answers,
    // with clickrelay_click_write_errors_total counting what is lost.
    const s = await outbox.stats().catch(() => null);
    if (s) {
      const oldestAge = s.oldest_pending ? Math.max(0, (Date.now() - Date.parse(s.oldest_pending)) / 1000) : 0;
      // Standalone, unshipped clicks wait for nothing: they are kept until retention. Reported
      // as pending they would keep an "oldest pending" alert firing for the whole retention.
      metrics.outboxPending.set(shipping ? s.pending : 0);
      metrics.outboxOldestPendingSeconds.set(shipping ? oldestAge : 0);
      metrics.outboxKeptLocal.set(shipping ? 0 : s.pending);
      metrics.outboxOldestKeptSeconds.set(shipping ? 0 : oldestAge);
      metrics.outboxDeadLetter.set(s.dead_letter);
    }
    if (shipper) metrics.shipInFlight.set(shipper.stats().inFlight);
    const index = mirror.holder.current;
    const counts = index.counts();
    metrics.mirrorIndexBytes.set(index.bytes);
    metrics.mirrorLinks.set({ state: 'active' }, counts.active);
    metrics.mirrorLinks.set({ state: 'inactive' }, counts.inactive);
  };

  const admin = adminEvents(log);
  const analytics = analyticsRoutes(dataDir);
  const adminApp = createAdminApp({
    uws,
    token: readAdminToken(config.admin.token_file),
    isReady: async () => {
      // The same test the public listener makes before it answers 404 (mirror.loaded).
      if (!mirror.loaded) return 'mirror not loaded';
      // Fail-closed answers 503 to every click while the outbox cannot store them: not ready.
      // The probe lets readiness come back without clicks (a balancer sends none meanwhile).
      if (failClosed && !outbox.writable && !(await outbox.probe().then(() => true, () => false))) return 'the outbox cannot store clicks (disk full?): fail-closed answers 503';
      return true;
    },
    metrics: async () => {
      await refreshGauges();
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
    jsonRoutes: analytics.routes,
    onError: (err) => admin.routeFailed(err),
    statusPage: async () => renderStatusPage(await statusData()),
  });

  // Figures for the status page: counters in memory, the writer thread's running counts
  // (outbox.stats() answers from counters, no scan), two small files. Nothing here reads
  // the outbox's rows, so a page view costs the redirect thread next to nothing.
  const statusData = async (): Promise<StatusData> => {
    const s = await outbox.stats();
    const counts = mirror.holder.current.counts();
    const sync = readSyncRecord(dataDir);
    let head: { seq: number } | null = null;
    let headError: string | null = null;
    try {
      head = readHead(dataDir);
    } catch (err) {
      headError = (err as Error).message;
    }
    return {
      version: opts.version,
      now: new Date().toISOString(),
      started_at: new Date(rate.startedAt).toISOString(),
      pid: process.pid,
      uws_build: describeBuild(build),
      standalone: !shipping,
      main_system: shipping ? new URL(config.main_system.base_url).origin : '',
      mirror: {
        links: counts.active + counts.inactive,
        active: counts.active,
        inactive: counts.inactive,
        last_sync: sync.last_success_at,
        last_error: sync.last_error && (!sync.last_success_at || sync.last_error.at > sync.last_success_at) ? sync.last_error : null,
        ready: mirror.loaded,
      },
      outbox: { pending: s.pending, oldest_pending: s.oldest_pending, shipped: s.shipped, dead_letter: s.dead_letter, last_seq: s.last_seq, durability: config.outbox.durability, retention_days: config.privacy.retention_days },
      shipping: shippingState.snapshot(),
      rate: rate.read(),
      policy: Object.fromEntries(Object.entries(config.privacy).map(([k, v]) => [`privacy.${k}`, v])) as Record<string, string | number | boolean>,
      weakened,
      chain: { tip_seq: s.last_seq, head_seq: head?.seq ?? null, head_error: headError },
    };
  };

  let publicApp = createPublicApp(publicDeps);
  // Every public app that ever listened: one replaced by a TLS reload keeps its connections.
  const publicApps = [publicApp];
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
  runtime = {
    pid: process.pid,
    started_at: new Date().toISOString(),
    node: process.versions.node,
    uws_build: build,
    public_port: publicListener.port,
    admin_port: adminListener.port,
    tls: tls !== null,
    version: opts.version,
    outbox_schema_version: SCHEMA_VERSION,
    settings: runtimeSettings(config),
    weakened,
    shipping: shippingState.snapshot(),
  };
  writeRuntimeFileOrWarn(log, dataDir, runtime);

  mirror.start({ runAtStart: true });
  shipper?.start();
  const purgeExpired = (): void => {
    // Session keys past 48 h go even on a day without clicks (keyFor only tidies on use).
    keys.purgeExpired();
    // Standalone, nothing is ever shipped: retention applies to the clicks as they are.
    outbox.purgeExpired(config.privacy.retention_days, { unshipped: !shipping }).then(
      (n) => n > 0 && log.info({ event: 'retention_purge', purged: n }, `${shipping ? 'shipped ' : ''}clicks past retention purged`),
      // SQLite names damage only when a query touches the bad page: say what it means.
      (err: Error) =>
        /malformed|not a database/.test(err.message)
          ? log.error({ event: 'retention_purge_failed', code: 'CR_ERR_OUTBOX_CORRUPT' }, `outbox.db is damaged (${err.message}): keep a copy of the outbox files and run clickrelay audit`)
          : log.error({ event: 'retention_purge_failed' }, err.message),
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
        publicApps.push(app);
      } catch (err) {
        publicListener = await listen(uws, publicApp, config.server.host, port, 'public listener');
        throw err;
      }
      log.info({ event: 'tls_reloaded' }, 'TLS certificate and key reloaded');
      return true;
    },
    stop() {
      stopping ??= (async () => {
        // The outbox closes last, once no connection can deliver a request any more
        // (drain.ts): a keep-alive client still sending after its click could no longer be
        // stored would otherwise get a fail-open redirect for a click recorded nowhere.
        publicListener.close();
        adminListener.close();
        await drain.drain(DRAIN_GRACE_MS);
        drain.close([...publicApps, adminApp]);
        await retention.stop();
        await mirror.stop();
        await shipper?.stop({ graceMs: SHIP_STOP_GRACE_MS });
        await outbox.close();
        await analytics.close();
        if (runtimeTimer) clearTimeout(runtimeTimer);
        runtime = null;
        removeRuntimeFile(dataDir);
        log.info({ event: 'stopped' }, 'stopped: every queued click committed');
      })();
      return stopping;
    },
  };
}
