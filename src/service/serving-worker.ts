/**
 * A serving thread k ≥ 1 (server.threads > 1): the public listener of service.ts, on the same
 * port with SO_REUSEPORT, writing its own outbox shard k through a writer thread of its own.
 * The same click path as the main thread's (public-deps.ts, record-click.ts); only what must
 * be one for the service comes from the main thread (serving-protocol.ts): the mirror's table
 * (shared memory), miss lookups, the day's session key, the rate limit's buckets, the country
 * database (shared memory: the bytes the main thread read and checked, at start and at each
 * replacement it accepted) and the opt-out pages rendered for it (they name it).
 *
 * Each such thread is a V8 isolate of its own, and what it imports stays in its heap for the
 * life of the process: so it imports only what the click path runs (serving-stages.ts,
 * serving-events.ts, the mirror's view of the table; not the barrels that reach the sync, the
 * click sinks, SQLite or the notice), and the country database's reader only when
 * privacy.country is on.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { resolveClonedSettings } from '../config/settings.js';
import { ClickrelayError, describeCause } from '../errors.js';
import { closeSockets, ConnectionDrain } from '../http/drain.js';
import { loadUws, type TemplatedApp } from '../http/uws.js';
import { SharedSessionKeys } from '../keys/shared-session-keys.js';
import { MirrorView } from '../mirror/mirror-view.js';
import { ClickRate } from '../observe/click-rate.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import type { OptOutPagesHolder } from '../notice/opt-out-cookie.js';
import type { Outbox } from '../outbox/outbox.js';
import { clickEvents, requestEvents } from './serving-events.js';
import { publicAppDeps } from './public-deps.js';
import { PublicListener } from './public-listener.js';
import type { FromServing, MissAnswer, ServingBoot, ToServing } from './serving-protocol.js';
import { openOutboxFor, policyFor } from './serving-stages.js';

/** The metrics a serving thread moves; the main thread's /metrics sums them with its own. */
const SERVING_METRICS: ReadonlySet<string> = new Set([
  'clickrelay_redirects_total',
  'clickrelay_redirect_duration_seconds',
  'clickrelay_clicks_recorded_total',
  'clickrelay_clicks_anonymous_total',
  'clickrelay_clicks_dropped_total',
  'clickrelay_outbox_transactions_total',
  'clickrelay_click_write_errors_total',
  'clickrelay_outbox_commit_seconds',
  'clickrelay_outbox_writable',
  'clickrelay_untrusted_forwarding_detected',
  'clickrelay_requests_refused_total',
]);

const boot = workerData as ServingBoot;
const main = parentPort!;
const post = (m: FromServing, transfer?: MessagePort[]): void => main.postMessage(m, transfer);

/**
 * A bug that escapes a handler ends this thread, not the process: uWS's sockets are closed
 * first (a thread that stops with uWS handles open aborts the whole process in Node 20's
 * worker teardown), the error goes to the log, and the main thread restarts the thread.
 */
let appsToClose: () => Iterable<TemplatedApp> = () => [];
process.on('uncaughtException', (err) => {
  post({ kind: 'log', line: JSON.stringify({ level: 60, event: 'serving_thread_crashed', code: 'CR_ERR_SERVING_THREAD_DIED', err: describeCause(err), msg: `serving thread ${boot.shard} crashed: ${describeCause(err)}` }) });
  for (const app of appsToClose()) closeSockets(app);
  process.exit(70);
});

async function serve(): Promise<void> {
  const s = resolveClonedSettings(boot.config);
  // Log lines go to the main thread's logger, which writes them with this thread's number.
  const log = createLogger(s.log.level, { write: (line: string) => post({ kind: 'log', line }) });
  const { uws } = loadUws({ allowJsFallback: s.server.allow_js_fallback }); // the main thread checked the build and TLS
  const tls = s.server.tls_cert_file ? { certFile: s.server.tls_cert_file, keyFile: s.server.tls_key_file } : null;
  // The database the main thread has in use, over its bytes; `boot` lets go of them, so a
  // replaced database's memory is freed once no thread reads it.
  const country = boot.country ? new (await import('../country/country-share.js')).SharedCountry(boot.country) : null;
  boot.country = null;
  const policy = policyFor(s, { countryOf: country?.lookup ?? null });
  const metrics = createMetrics({ processMetrics: false });
  metrics.outboxWritable.set(1);

  const outbox: Outbox = await openOutboxFor(s, { acceptNewOutbox: boot.acceptNewOutbox, startWhenFull: true, shard: boot.shard });
  for (const note of outbox.startupNotes) log.error({ event: 'outbox_loss_accepted', shard: boot.shard }, note);
  if (outbox.unavailable) log.error({ event: 'outbox_unavailable', code: 'CR_ERR_OUTBOX_WRITE', shard: boot.shard }, `serving without outbox shard ${boot.shard} until it can be opened: ${outbox.unavailable}`);
  const line = outbox.opsLine();
  post({ kind: 'ops-line', port: line }, [line]);

  const keys = new SharedSessionKeys(boot.keyAnswers, (q) => post({ kind: 'key', ...q }));
  const misses = new Map<number, { resolve(a: MissAnswer): void; reject(e: Error): void }>();
  let missIds = 0;
  const mirror = new MirrorView(boot.mirror, (trackingId, clientKey) => {
    const id = ++missIds;
    post({ kind: 'miss', id, trackingId, clientKey });
    return new Promise((resolve, reject) => misses.set(id, { resolve, reject }));
  });
  // The shipper runs on the main thread: nudged at most once per event-loop turn, not per click.
  let nudging = false;
  const shipper = s.standalone
    ? null
    : {
        notify() {
          if (nudging) return;
          nudging = true;
          setImmediate(() => {
            nudging = false;
            post({ kind: 'committed' });
          });
        },
      };
  const drain = new ConnectionDrain();
  // Replaced with the pages that come with a replaced country database (they name it).
  const optOutPages: OptOutPagesHolder = { current: boot.optOutPages };
  const deps = publicAppDeps(s, { uws, tls, mirror, outbox, keys, shipper, policy, rate: new ClickRate(), drain, metrics, log, clicks: clickEvents(log, metrics), requests: requestEvents(log, metrics), sharedBuckets: boot.buckets, optOutPages });
  const listener = new PublicListener(deps, s.server.host, { reusePort: true });
  appsToClose = () => listener.apps;

  main.on('message', (m: ToServing) => {
    switch (m.kind) {
      case 'mirror':
        mirror.update(m);
        break;
      case 'country': {
        let error: string | null = null;
        try {
          // The pages only with the database they name: a refused or older one leaves both.
          if (country?.update(m)) optOutPages.current = m.optOutPages;
        } catch (err) {
          error = describeCause(err);
        }
        post({ kind: 'country-taken', generation: error === null ? (country?.generation ?? m.generation) : m.generation, error });
        break;
      }
      case 'miss-answer': {
        const waiting = misses.get(m.id);
        misses.delete(m.id);
        if (m.failed !== undefined) waiting?.reject(new Error(m.failed));
        else waiting?.resolve(m.answer);
        break;
      }
      case 'scrape':
        void metrics.registry.getMetricsAsJSON().then((all) => post({ kind: 'scraped', id: m.id, metrics: all.filter((x) => SERVING_METRICS.has(x.name)) }));
        break;
      case 'reload-tls':
        listener.reload().then(
          () => post({ kind: 'reloaded', id: m.id, error: null }),
          (err: unknown) => post({ kind: 'reloaded', id: m.id, error: describeCause(err) }),
        );
        break;
      case 'drain':
        // As service.ts's stop: no new connections, owed answers sent with Connection: close.
        listener.close();
        void drain.drain(m.graceMs).then(() => {
          drain.close(listener.apps);
          post({ kind: 'drained' });
        });
        break;
      case 'crash':
        setImmediate(() => {
          throw new Error('crash asked for (fault injection)');
        });
        break;
      case 'close':
        void outbox.close().then(() => {
          post({ kind: 'stopped' });
          main.close();
        });
        break;
    }
  });

  try {
    await listener.listen(boot.port);
  } catch (err) {
    await outbox.close();
    throw err;
  }
  post({ kind: 'listening' });
}

serve().catch((err: unknown) => {
  post({ kind: 'failed', code: err instanceof ClickrelayError ? err.code : null, message: err instanceof ClickrelayError ? err.message : describeCause(err) });
  main.close();
});
