/**
 * `clickrelay serve`: the four stages joined, here and nowhere else.
 *
 *   mirror ──lookup──▶ redirect ──raw click──▶ privacy ──record──▶ outbox ◀── shipper
 *
 * Start order makes the service useful as early as possible: the outbox and the mirror
 * file are opened first, the listeners next (serving the last good mirror at once), and
 * only then the first sync and the shipper, which may wait on a slow main system.
 * Each stage is built by its factory in stages.ts; each side job (uWS loading, gauges,
 * retention, serve.json, the status page, the opt-out pages, the listeners' dependencies) has
 * its own file.
 */
import { describeWeakened, weakenedSettings } from '../notice/index.js';
import type { Config } from '../config/schema.js';
import { CLICK_SINKS, pausedWords, transportWeakened } from '../adapters/registry.js';
import { resolveSettings, type Settings } from '../config/settings.js';
import { ensureDataDir } from '../fs/data-dir.js';
import { describeBroadProxies, tooBroadProxies } from '../lib/trusted-proxies.js';
import { lockDataDir, type DataDirLock } from '../fs/data-dir-lock.js';
import { SessionKeyStore } from '../keys/index.js';
import { MIRROR_THREAD_NICE, threadPriorityUnavailable, type Mirror } from '../mirror/index.js';
import { ClickRate } from '../observe/click-rate.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { OutboxOps, type Outbox, type OutboxShardSet } from '../outbox/index.js';
import { SCHEMA_VERSION } from '../outbox/schema.js';
import { createAdminApp } from '../http/admin/admin-app.js';
import { ConnectionDrain } from '../http/drain.js';
import { listen, type Listening } from '../http/listen.js';
import type { UwsBuild } from '../http/uws.js';
import type { Shipper } from '../shipper/index.js';
import { adminAppDeps } from './admin-deps.js';
import { readAdminToken } from './admin-token.js';
import { removeControlToken, writeControlToken } from './control-token.js';
import { analyticsRoutes } from '../analytics/analytics-route.js';
import { countryService, openCountryFor } from './country.js';
import { adminEvents, clickEvents, mirrorEvents, requestEvents, shipperEvents } from './events.js';
import { gaugeRefresher } from './gauges.js';
import { mainSystemHealth } from './main-system-health.js';
import { servedOptOutPages } from './opt-out-pages.js';
import { publicAppDeps } from './public-deps.js';
import { PublicListener } from './public-listener.js';
import { startRetention } from './retention.js';
import { runtimeSettings } from './runtime-file.js';
import { RuntimeFileWriter } from './runtime-file-writer.js';
import { ShippingState } from '../shipper/index.js';
import { createShipperFor, openMirrorFor, openOutboxFor, openOutboxShardsFor, policyFor } from './stages.js';
import type { Clock } from '../lib/rate-limit.js';
import { statusDataSource } from './status-data.js';
import { loadServingUws } from './uws-loading.js';
import { proveNobodyListens, takePortLock, type PortLock } from '../http/port-lock.js';
import { sharedBuckets } from '../lib/shared-rate-limit.js';
import { AggregatorRegistry } from 'prom-client';
import { ServingThreads } from './serving-thread.js';

export interface RunningService {
  publicPort: number;
  adminPort: number;
  build: UwsBuild;
  metrics: Metrics;
  mirror: Mirror;
  /** Shard 0, the one this thread records into. */
  outbox: Outbox;
  /** Every outbox shard present, as the shipper, retention, gauges and the status page see them. */
  outboxShards: OutboxShardSet;
  shipper: Shipper | null;
  /** The serving threads 1 … server.threads-1 (null with one thread): thread 0 is this one. */
  serving: ServingThreads | null;
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

export interface ServiceOptions {
  /** clickrelay's version, for serve.json and the status page */
  version: string;
  /** `serve --accept-new-outbox`: start past a damaged, emptied or cut-back outbox (src/outbox/open-checked.ts). */
  acceptNewOutbox?: boolean;
  /** What the token buckets (public rate limit, miss-lookup caps) refill by; the wall clock unless a test brings its own. */
  clock?: Clock;
}

export async function startService(config: Config, log: Logger, opts: ServiceOptions = { version: 'unknown' }): Promise<RunningService> {
  const s = resolveSettings(config);
  // A weakened policy must never start silently: one warn line per setting, with what it means.
  const privacyWeakened = weakenedSettings(s);
  for (const w of privacyWeakened) log.warn({ event: 'privacy_weakened', code: 'CR_ERR_POLICY_WEAKENED', key: w.key, value: w.value, default: w.default }, `${describeWeakened(w)}: ${w.effect}`);
  // Credentials or clicks in clear text across a network: said at every start, and listed
  // with the weakened settings (serve.json, status, the status page).
  const unencrypted = transportWeakened(s);
  for (const w of unencrypted) log.warn({ event: 'transport_unencrypted', code: 'CR_ERR_TRANSPORT_UNENCRYPTED', key: w.key, peer: w.value }, w.effect);
  const weakened = [...privacyWeakened, ...unencrypted];
  const broad = tooBroadProxies(s.server.trust_proxy);
  if (broad.length > 0) log.warn({ event: 'trust_proxy_too_broad', code: 'CR_ERR_TRUST_PROXY_BROAD', ranges: broad }, describeBroadProxies(broad));
  const { uws, build, tls } = loadServingUws(s, log);
  // Configuration mistakes only a file read can find stop the start before any stage opens.
  const adminToken = readAdminToken(s.admin.token_file);
  const countryDb = openCountryFor(s);
  // The data folder once, first (CR_ERR_DATA_DIR names the errno), then its lock: one process
  // writes it at a time, so a second serve on it stops here, before any file is touched.
  ensureDataDir(s.storage.data_dir);
  const lock = lockDataDir(s.storage.data_dir, 'serve', 'a second serve on one data folder would record clicks nowhere; stop the other one, or give this one a storage.data_dir of its own');
  try {
    return await startLocked(config, s, log, opts, { weakened, uws, build, tls, adminToken, countryDb, lock });
  } catch (err) {
    lock.release();
    throw err;
  }
}

interface StartParts {
  weakened: ReturnType<typeof weakenedSettings>;
  uws: ReturnType<typeof loadServingUws>['uws'];
  build: UwsBuild;
  tls: ReturnType<typeof loadServingUws>['tls'];
  adminToken: ReturnType<typeof readAdminToken>;
  countryDb: ReturnType<typeof openCountryFor>;
  lock: DataDirLock;
}

async function startLocked(config: Config, s: Settings, log: Logger, opts: ServiceOptions, { weakened, uws, build, tls, adminToken, countryDb, lock }: StartParts): Promise<RunningService> {
  const metrics = createMetrics();
  const country = countryDb ? await countryService(countryDb, s, log, metrics) : null;
  const policy = policyFor(s, { countryOf: country?.lookup ?? null });
  metrics.outboxWritable.set(1);
  metrics.uwsBuild.set({ package: build.package, version: build.version, native: String(build.native), tls: String(build.tls) }, 1);
  metrics.mainSystemInfo.set({ adapter: s.clickSink }, 1);
  const health = mainSystemHealth(metrics, s);

  // outbox: a restart during a disk-full episode still serves (fail-open: redirects without
  // records; fail-closed: 503 and /readyz not ready); recording starts once there is room.
  const outbox = await openOutboxFor(s, { acceptNewOutbox: opts.acceptNewOutbox ?? false, startWhenFull: true });
  for (const note of outbox.startupNotes) log.error({ event: 'outbox_loss_accepted' }, note);
  if (outbox.unavailable) log.error({ event: 'outbox_unavailable', code: 'CR_ERR_OUTBOX_WRITE' }, `serving without an outbox until it can be opened: ${outbox.unavailable}`);
  // Every other shard on disk (left by an earlier, larger server.threads) gets a writer too,
  // checked at open like shard 0, so its clicks still ship, retire and purge (outbox-shards.ts).
  let shards: Awaited<ReturnType<typeof openOutboxShardsFor>>;
  try {
    // Shards 1 … threads-1 are their serving threads' to open; they attach once started.
    const reserved = Array.from({ length: s.threads - 1 }, (_, i) => i + 1);
    shards = await openOutboxShardsFor(s, [{ shard: outbox.shard, ops: outbox }], { acceptNewOutbox: opts.acceptNewOutbox ?? false, startWhenFull: true, reserved, growable: s.threads > 1 });
  } catch (err) {
    await outbox.close();
    throw err;
  }
  for (const note of shards.startupNotes) log.error({ event: 'outbox_loss_accepted' }, note);
  const allShards = shards.set;
  const keys = SessionKeyStore.open(s.storage.data_dir);
  if (keys.recovered) log.warn({ event: 'session_keys_recovered' }, keys.recovered);
  if (keys.unsaved) log.warn({ event: 'session_keys_unsaved' }, keys.unsaved);

  // mirror
  const mirror = await openMirrorFor(s, mirrorEvents(log, metrics, health), opts.clock);
  const noNice = threadPriorityUnavailable();
  if (noNice) log.warn({ event: 'mirror_priority_unavailable', reason: noNice }, `the mirror thread cannot lower its priority to nice ${MIRROR_THREAD_NICE} (${noNice}): a full re-sync will compete with redirects for the CPU. Allow setpriority (systemd: SystemCallFilter=setpriority)`);

  // shipper (null standalone); its state goes to serve.json and the status page
  const runtimeFile = new RuntimeFileWriter(s.storage.data_dir, log);
  const sinkEntry = CLICK_SINKS[s.clickSink];
  const shippingState = new ShippingState(!s.standalone, (snapshot) => runtimeFile.noteShipping(snapshot), Date.now, pausedWords(sinkEntry));
  const onShipperEvent = shipperEvents(log, metrics, health, sinkEntry);
  const shipper = createShipperFor(s, allShards, (e) => {
    onShipperEvent(e);
    shippingState.note(e);
  });

  // privacy, and the redirect's public listener. With server.threads > 1 this is serving
  // thread 0 of several on the port (SO_REUSEPORT), the rate limit's buckets in shared memory.
  const multi = s.threads > 1;
  const buckets = multi && s.server.rate_limit_per_second > 0 ? sharedBuckets() : null;
  const rate = new ClickRate();
  const drain = new ConnectionDrain();
  const clicks = clickEvents(log, metrics);
  const requests = requestEvents(log, metrics);
  // The notice names the country database in use; every serving thread serves these same
  // pages, rebuilt here when that database is replaced.
  const pages = servedOptOutPages(s, country);
  const publicListener = new PublicListener(publicAppDeps(s, { uws, tls, mirror, outbox, keys, shipper, policy, rate, drain, metrics, log, clicks, requests, clock: opts.clock, optOutPages: pages, sharedBuckets: buckets }), s.server.host, { reusePort: multi });
  // The writers of serving threads 1 … threads-1 live in those threads; each hands the main
  // thread an ops line to its shard, attached to the one shard set the shipper reads.
  const servedLines: { close(): void }[] = [];
  let serving: ServingThreads | null = null;
  let portLock: PortLock | null = null;

  // the admin listener
  const admin = adminEvents(log);
  const analytics = analyticsRoutes(s.storage.data_dir);
  const statusData = statusDataSource(s, { version: opts.version, build, outbox: allShards, mirror, rate, shippingState, weakened, country });
  const refreshGauges = gaugeRefresher({ metrics, outbox: allShards, mirror, shipper, standalone: s.standalone });
  // One set of metrics: the serving threads' counters summed into this thread's at a scrape.
  const scrape = async (): Promise<{ contentType: string; body: string }> => {
    if (!serving) return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    const sum = AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...(await serving.scrape())]);
    return { contentType: metrics.registry.contentType, body: await sum.metrics() };
  };
  // The CLI's way to make this service sync or ship (admin-control.ts): a fresh token per run.
  const controlToken = writeControlToken(s.storage.data_dir, (err) => admin.controlTokenUnwritten(s.storage.data_dir, err));
  let stopping: Promise<void> | undefined;
  const control = { mirror, shipper, shippingState, sink: s.clickSink, stopping: () => stopping !== undefined, onAsked: admin.controlAsked };
  const adminApp = createAdminApp(adminAppDeps(s, { uws, token: adminToken, mirror, outbox, metrics, scrape, refreshGauges, analytics, statusData, control, controlToken, onError: (err) => admin.routeFailed(err) }));

  let adminListener: Listening;
  try {
    if (!multi) await publicListener.listen(s.server.port); // exclusive: the one serve on the port
    else {
      // One serve per port (port-lock.ts): the lock against another clickrelay, the exclusive
      // bind against anything else; then every thread listens with SO_REUSEPORT.
      if (s.server.port !== 0) portLock = await takePortLock(s.server.host, s.server.port, 'public listener');
      const port = await proveNobodyListens(uws, s.server.host, s.server.port, 'public listener');
      await publicListener.listen(port);
      serving = await ServingThreads.start({
        config,
        threads: s.threads,
        port: publicListener.port,
        acceptNewOutbox: opts.acceptNewOutbox ?? false,
        mirror,
        keys,
        buckets,
        optOutPages: pages,
        country: country ? () => country.share() : null,
        log,
        onShard: (k, line) => {
          const ops = OutboxOps.connect(line);
          servedLines.push(ops);
          allShards.attach(k, ops);
        },
        onCommitted: () => shipper?.notify(),
      });
      const threads = serving;
      mirror.onShareChange((share) => threads.publishMirror(share));
      threads.publishMirror(mirror.share()); // a sync that ended while the threads started
      // Each country database replacement accepted here, to every thread (each took the one in
      // use at its start), with the opt-out pages naming it (rebuilt before it is published).
      country?.publishTo((share) => threads.publishCountry(share));
      if (country) void threads.publishCountry(country.share()); // a replacement accepted while the threads started
    }
    adminListener = await listen(uws, adminApp, s.admin.host, s.admin.port, 'admin listener');
  } catch (err) {
    publicListener.close();
    country?.close();
    await serving?.drain(0);
    await serving?.close();
    for (const line of servedLines) line.close();
    portLock?.release();
    await Promise.all([outbox.close(), shards.close(), mirror.stop()]);
    removeControlToken(s.storage.data_dir);
    throw err;
  }
  log.info(
    { event: 'listening', public: `${s.server.host}:${publicListener.port}`, admin: `${s.admin.host}:${adminListener.port}`, tls: tls !== null, durability: s.durability, shipping: !s.standalone, threads: s.threads },
    `serving ${tls ? 'https' : 'http'}://${s.server.host}:${publicListener.port}/track/{id}${multi ? ` on ${s.threads} threads` : ''}, admin on ${s.admin.host}:${adminListener.port}`,
  );
  runtimeFile.start({
    pid: process.pid,
    started_at: new Date().toISOString(),
    node: process.versions.node,
    uws_build: build,
    public_port: publicListener.port,
    admin_port: adminListener.port,
    tls: tls !== null,
    version: opts.version,
    outbox_schema_version: SCHEMA_VERSION,
    settings: runtimeSettings(s),
    weakened,
    shipping: shippingState.snapshot(),
  });

  mirror.start({ runAtStart: true });
  shipper?.start();
  const retention = startRetention(s, { keys, outbox: allShards, log });

  return {
    publicPort: publicListener.port,
    adminPort: adminListener.port,
    build,
    metrics,
    mirror,
    outbox,
    outboxShards: allShards,
    shipper,
    serving,
    async reloadTls() {
      if (!tls || stopping) return false;
      await publicListener.reload();
      await serving?.reloadTls();
      log.info({ event: 'tls_reloaded' }, 'TLS certificate and key reloaded');
      return true;
    },
    stop() {
      stopping ??= (async () => {
        // The outbox closes last, once no connection can deliver a request any more
        // (drain.ts): a keep-alive client still sending after its click could no longer be
        // stored would otherwise get a fail-open redirect for a click recorded nowhere.
        // Every serving thread drains as this one does (serving-worker.ts), then closes its shard.
        publicListener.close();
        adminListener.close();
        await Promise.all([drain.drain(DRAIN_GRACE_MS), serving?.drain(DRAIN_GRACE_MS)]);
        drain.close([...publicListener.apps, adminApp]);
        await retention.stop();
        await mirror.stop();
        await shipper?.stop({ graceMs: SHIP_STOP_GRACE_MS });
        await Promise.all([outbox.close(), serving?.close(), shards.close()]);
        for (const line of servedLines) line.close();
        portLock?.release();
        await analytics.close();
        country?.close();
        runtimeFile.remove();
        removeControlToken(s.storage.data_dir);
        lock.release();
        log.info({ event: 'stopped' }, 'stopped: every queued click committed');
      })();
      return stopping;
    },
  };
}
