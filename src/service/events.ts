/**
 * One emitter per operational event: each stage reports plain events, and here each
 * becomes its log line and its metric together, so the two never drift apart. Nothing
 * here sees a client address, a query string or the API key.
 */
import type { ClickSinkEntry } from '../adapters/kinds.js';
import { ClickrelayError } from '../errors.js';
import type { MirrorError, MirrorHooks, SyncResult } from '../mirror/index.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { AdminRouteError } from '../http/admin/admin-app.js';
import { ShipError, type ShipperEvent } from '../shipper/index.js';
import type { MainSystemHealth } from './main-system-health.js';

export { clickEvents, requestEvents } from './serving-events.js';

/** `health`: the main-system gauges (main-system-health.ts); standalone it does nothing, the mirror syncs from a file. */
export function mirrorEvents(log: Logger, m: Metrics, health: MainSystemHealth): MirrorHooks {
  return {
    onSync(r: SyncResult) {
      health.usable();
      m.syncSeconds.observe(r.durationMs / 1000);
      m.mirrorLastSync.set(Date.now() / 1000);
      m.mirrorLinks.set({ state: 'active' }, r.active);
      m.mirrorLinks.set({ state: 'inactive' }, r.inactive);
      for (const [reason, n] of Object.entries(r.rejected)) m.syncRejected.inc({ reason }, n ?? 0);
      if (r.forced) log.warn({ event: 'sync_forced', ...r }, 'mirror synced with --force: a listing sync.max_change_ratio would have refused was accepted');
      // An unchanged mirror every sync.interval is routine: the metrics count it, the log need not.
      else if (r.changed) log.info({ event: 'sync_done', ...r }, 'mirror synced');
      else log.debug({ event: 'sync_done', ...r }, 'mirror unchanged');
    },
    onSyncError(err: MirrorError) {
      m.syncFailures.inc();
      if (err.code === 'CR_ERR_MIRROR_NETWORK' || err.code === 'CR_ERR_MIRROR_TIMEOUT') health.unreachable();
      else health.failed();
      log.error({ event: 'sync_failed', code: err.code, status: err.status, ...(err.details ? { details: err.details } : {}) }, `mirror sync failed, the last good mirror keeps serving: ${err.message}`);
    },
    onMissLookup(outcome) {
      m.missLookups.inc({ outcome });
      if (outcome === 'saturated' || outcome === 'shed_global_rate' || outcome === 'shed_client_rate') m.missLookupsShed.inc({ reason: outcome });
    },
    onReload(info) {
      log.info({ event: 'mirror_loaded', ...info }, 'mirror index loaded');
    },
    onCorrupt(err, movedTo) {
      log.error({ event: 'mirror_corrupt', code: err.code, moved_to: movedTo }, `mirror.db was unreadable and was moved aside: ${err.message}`);
    },
    onUnreadable(err) {
      log.error({ event: 'mirror_unreadable', code: err.code }, `the replaced mirror.db cannot be opened, the loaded mirror keeps serving: ${err.message}`);
    },
  };
}

/** `sink`: the registry's entry for the configured click sink (adapters/registry.ts), which says what a refused credential is reported as. */
export function shipperEvents(log: Logger, m: Metrics, health: MainSystemHealth, sink: Pick<ClickSinkEntry, 'refused'>): (e: ShipperEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'shipped':
        health.usable();
        m.shipped.inc(e.count);
        m.shippedDuplicates.inc(e.duplicates);
        m.shipLastSuccess.set(Date.now() / 1000);
        log.debug({ event: 'shipped', count: e.count, duplicates: e.duplicates }, 'clicks shipped');
        break;
      case 'retry':
        // A 429 is an answer from a healthy main system asking for patience; the rest are not.
        if (e.reason === 'connection' || e.reason === 'timeout') health.unreachable();
        else if (e.reason !== 'rate_limited') health.failed();
        m.shipRetries.inc({ reason: e.reason });
        m.shipLastFailure.set(Date.now() / 1000);
        {
          const err = new ShipError('CR_ERR_SHIP_RETRYING', `shipping failed, will retry in ${Math.round(e.delayMs / 1000)} s: ${e.detail ?? e.reason}`);
          log.warn({ event: 'ship_retry', code: err.code, reason: e.reason, status: e.status, delay_ms: e.delayMs, clicks: e.count, attempt: e.attempt, detail: e.detail }, err.message);
        }
        break;
      case 'dead_letter':
        m.shipDeadLettered.inc(e.count);
        log.error({ event: 'dead_letter', count: e.count, kind: e.kind, status: e.status, reason: e.reason }, 'clicks rejected by the main system moved to dead letter');
        break;
      case 'unauthorized':
        health.failed();
        if (sink.refused) {
          const err = new ClickrelayError(sink.refused.codeOf?.(e) ?? sink.refused.code, sink.refused.message(e));
          log.error({ event: 'ship_unauthorized', code: err.code, status: e.status, detail: e.detail }, err.message);
        }
        break;
      case 'resumed':
        log.info({ event: 'ship_resumed' }, 'shipping resumed');
        break;
      case 'fallback_to_single':
        log.warn({ event: 'ship_fallback', status: e.status }, 'the main system has no record-clicks endpoint: shipping one click per request');
        break;
      case 'split':
        log.info({ event: 'ship_split', size: e.size, status: e.status }, 'batch split');
        break;
      case 'outbox_error':
        log.error({ event: 'ship_outbox_error', op: e.op }, `outbox call failed, will retry: ${e.message}`);
        break;
    }
  };
}

/** The admin listener's routes: a failure is logged with its detail, which the client never sees. */
export function adminEvents(log: Logger) {
  return {
    routeFailed(err: unknown) {
      const part = err instanceof AdminRouteError ? err.part : 'unexpected';
      const cause = err instanceof AdminRouteError ? err.cause : err;
      const code = part === 'mirror' || part === 'outbox' ? 'CR_ERR_ANALYTICS_READ' : undefined;
      log.error({ event: 'admin_route_failed', code, part, err: cause }, `an admin route answered 500: ${err instanceof Error ? err.message : String(err)}`);
    },
    /** Without the file the CLI cannot control this serve (POST /admin/* answer 401) unless admin.token_file is set. */
    controlTokenUnwritten(dataDir: string, err: unknown) {
      log.warn({ event: 'control_token_unwritten', err }, `${dataDir}/admin-control.token could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}): clickrelay sync and ship --once cannot ask this serve to act unless admin.token_file is set`);
    },
    /** The operator's CLI asked the service to act (POST /admin/sync, /admin/ship): said, as a scheduled sync is. */
    controlAsked(route: string, body: Record<string, unknown>) {
      log.info({ event: 'admin_control', route, request: body }, `${route} asked through the admin listener`);
    },
  };
}
