/**
 * `clickrelay serve`: the four stages joined, here and nowhere else.
 *
 *   mirror ──lookup──▶ redirect ──raw click──▶ privacy ──record──▶ outbox ◀── shipper
 *
 * Start order makes the service useful as early as possible: the outbox and the mirror
 * file are opened first, the listeners next (serving the last good mirror at once), and
 * only then the first sync and the shipper, which may wait on a slow main system.
 * Each stage is built by its factory in stages.ts; each side job (uWS loading, gauges,
 * retention, serve.json, the status page, the listeners' dependencies) has its own file.
 */
import { describeWeakened, weakenedSettings } from '../notice/weakened.js';
import type { Config } from '../config/schema.js';
import { CLICK_SINKS } from '../adapters/registry.js';
import { resolveSettings, type Settings } from '../config/settings.js';
import { ensureDataDir } from '../fs/data-dir.js';
import { describeBroadProxies, tooBroadProxies } from '../lib/trusted-proxies.js';
import { lockDataDir, type DataDirLock } from '../fs/data-dir-lock.js';
import { SessionKeyStore } from '../keys/index.js';
import { MIRROR_THREAD_NICE, threadPriorityUnavailable, type Mirror } from '../mirror/index.js';
import { ClickRate } from '../observe/click-rate.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import type { Outbox } from '../outbox/index.js';
import { SCHEMA_VERSION } from '../outbox/schema.js';
import { createAdminApp } from '../http/admin/admin-app.js';
import { ConnectionDrain } from '../http/drain.js';
import { listen, type Listening } from '../http/listen.js';
import type { UwsBuild } from '../http/uws.js';
import type { Shipper } from '../shipper/index.js';
import { adminAppDeps } from './admin-deps.js';
import { readAdminToken } from './admin-token.js';
import { analyticsRoutes } from '../analytics/analytics-route.js';
import { openCountryDb } from '../country/country-db.js';
import { adminEvents, clickEvents, mirrorEvents, requestEvents, shipperEvents } from './events.js';
import { gaugeRefresher } from './gauges.js';
import { mainSystemHealth } from './main-system-health.js';
import { publicAppDeps } from './public-deps.js';
import { PublicListener } from './public-listener.js';
import { startRetention } from './retention.js';
import { runtimeSettings } from './runtime-file.js';
import { RuntimeFileWriter } from './runtime-file-writer.js';
import { ShippingState } from '../shipper/index.js';
import { createShipperFor, openMirrorFor, openOutboxFor, policyFor } from './stages.js';
import type { Clock } from '../lib/rate-limit.js';
import { statusDataSource } from './status-data.js';
import { loadServingUws } from './uws-loading.js';

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
  const weakened = weakenedSettings(s);
  for (const w of weakened) log.warn({ event: 'privacy_weakened', code: 'CR_ERR_POLICY_WEAKENED', key: w.key, value: w.value, default: w.default }, `${describeWeakened(w)}: ${w.effect}`);
  const broad = tooBroadProxies(s.server.trust_proxy);
  if (broad.length > 0) log.warn({ event: 'trust_proxy_too_broad', code: 'CR_ERR_TRUST_PROXY_BROAD', ranges: broad }, describeBroadProxies(broad));
  const { uws, build, tls } = loadServingUws(s, log);
  // Configuration mistakes only a file read can find stop the start before any stage opens.
  const adminToken = readAdminToken(s.admin.token_file);
  const countryDb = s.privacy.country === 'country' ? openCountryDb() : null;
  if (countryDb) log.info({ event: 'country_db_loaded', file: countryDb.file, built_at: countryDb.builtAt }, `country database ${countryDb.file} (built ${countryDb.builtAt})`);
  const policy = policyFor(s, { countryOf: countryDb?.lookup ?? null });
  // The data folder once, first (CR_ERR_DATA_DIR names the errno), then its lock: one process
  // writes it at a time, so a second serve on it stops here, before any file is touched.
  ensureDataDir(s.storage.data_dir);
  const lock = lockDataDir(s.storage.data_dir, 'serve', 'a second serve on one data folder would record clicks nowhere; stop the other one, or give this one a storage.data_dir of its own');
  try {
    return await startLocked(s, log, opts, { weakened, uws, build, tls, adminToken, policy, lock });
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
  policy: ReturnType<typeof policyFor>;
  lock: DataDirLock;
}

async function startLocked(s: Settings, log: Logger, opts: ServiceOptions, { weakened, uws, build, tls, adminToken, policy, lock }: StartParts): Promise<RunningService> {

  const metrics = createMetrics();
  metrics.outboxWritable.set(1);
  metrics.uwsBuild.set({ package: build.package, version: build.version, native: String(build.native), tls: String(build.tls) }, 1);
  metrics.mainSystemInfo.set({ adapter: s.clickSink }, 1);
  const health = mainSystemHealth(metrics, s);

  // outbox: a restart during a disk-full episode still serves (fail-open: redirects without
  // records; fail-closed: 503 and /readyz not ready); recording starts once there is room.
  const outbox = await openOutboxFor(s, { acceptNewOutbox: opts.acceptNewOutbox ?? false, startWhenFull: true });
  for (const note of outbox.startupNotes) log.error({ event: 'outbox_loss_accepted' }, note);
  if (outbox.unavailable) log.error({ event: 'outbox_unavailable', code: 'CR_ERR_OUTBOX_WRITE' }, `serving without an outbox until it can be opened: ${outbox.unavailable}`);
  const keys = SessionKeyStore.open(s.storage.data_dir);
  if (keys.recovered) log.warn({ event: 'session_keys_recovered' }, keys.recovered);
  if (keys.unsaved) log.warn({ event: 'session_keys_unsaved' }, keys.unsaved);

  // mirror
  const mirror = await openMirrorFor(s, mirrorEvents(log, metrics, health), opts.clock);
  const noNice = threadPriorityUnavailable();
  if (noNice) log.warn({ event: 'mirror_priority_unavailable', reason: noNice }, `the mirror thread cannot lower its priority to nice ${MIRROR_THREAD_NICE} (${noNice}): a full re-sync will compete with redirects for the CPU. Allow setpriority (systemd: SystemCallFilter=setpriority)`);

  // shipper (null standalone); its state goes to serve.json and the status page
  const runtimeFile = new RuntimeFileWriter(s.storage.data_dir, log);
  const shippingState = new ShippingState(!s.standalone, (snapshot) => runtimeFile.noteShipping(snapshot), undefined, CLICK_SINKS[s.clickSink].refused?.message);
  const onShipperEvent = shipperEvents(log, metrics, health, CLICK_SINKS[s.clickSink]);
  const shipper = createShipperFor(s, outbox, (e) => {
    onShipperEvent(e);
    shippingState.note(e);
  });

  // privacy, and the redirect's public listener
  const rate = new ClickRate();
  const drain = new ConnectionDrain();
  const clicks = clickEvents(log, metrics);
  const requests = requestEvents(log, metrics);
  const publicListener = new PublicListener(publicAppDeps(s, { uws, tls, mirror, outbox, keys, shipper, policy, rate, drain, metrics, log, clicks, requests, clock: opts.clock }), s.server.host);

  // the admin listener
  const admin = adminEvents(log);
  const analytics = analyticsRoutes(s.storage.data_dir);
  const statusData = statusDataSource(s, { version: opts.version, build, outbox, mirror, rate, shippingState, weakened });
  const refreshGauges = gaugeRefresher({ metrics, outbox, mirror, shipper, standalone: s.standalone });
  const adminApp = createAdminApp(adminAppDeps(s, { uws, token: adminToken, mirror, outbox, metrics, refreshGauges, analytics, statusData, onError: (err) => admin.routeFailed(err) }));

  let adminListener: Listening;
  try {
    await publicListener.listen(s.server.port);
    adminListener = await listen(uws, adminApp, s.admin.host, s.admin.port, 'admin listener');
  } catch (err) {
    publicListener.close();
    await Promise.all([outbox.close(), mirror.stop()]);
    throw err;
  }
  log.info(
    { event: 'listening', public: `${s.server.host}:${publicListener.port}`, admin: `${s.admin.host}:${adminListener.port}`, tls: tls !== null, durability: s.durability, shipping: !s.standalone },
    `serving ${tls ? 'https' : 'http'}://${s.server.host}:${publicListener.port}/track/{id}, admin on ${s.admin.host}:${adminListener.port}`,
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
  const retention = startRetention(s, { keys, outbox, log });

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
      await publicListener.reload();
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
        drain.close([...publicListener.apps, adminApp]);
        await retention.stop();
        await mirror.stop();
        await shipper?.stop({ graceMs: SHIP_STOP_GRACE_MS });
        await outbox.close();
        await analytics.close();
        runtimeFile.remove();
        lock.release();
        log.info({ event: 'stopped' }, 'stopped: every queued click committed');
      })();
      return stopping;
    },
  };
}
