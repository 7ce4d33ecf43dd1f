/**
 * What the admin listener (http/admin/admin-app.ts) is given: its token, the readiness rule,
 * /metrics, the analytics routes, the status page, and the POST routes the CLI controls the
 * service through (admin-control.ts) with the bearers they accept.
 */
import type { Settings } from '../config/settings.js';
import type { Mirror } from '../mirror/index.js';
import type { Metrics } from '../observe/metrics.js';
import type { StatusData } from '../http/admin/status-page.js';
import { renderStatusPage } from '../http/admin/status-page.js';
import type { Outbox } from '../outbox/index.js';
import type { AdminAppDeps } from '../http/admin/admin-app.js';
import type { Uws } from '../http/uws.js';
import type { AnalyticsRoutes } from '../analytics/analytics-route.js';
import { controlRoutes, type ControlStages } from './admin-control.js';

export interface AdminStages {
  uws: Uws;
  /** admin.token_file's token, read before any stage opened (admin-token.ts). */
  token: string | null;
  mirror: Mirror;
  outbox: Outbox;
  metrics: Metrics;
  /** /metrics' text: this thread's registry, with the serving threads' counters summed in. */
  scrape(): Promise<{ contentType: string; body: string }>;
  refreshGauges(): Promise<void>;
  analytics: AnalyticsRoutes;
  statusData(): Promise<StatusData>;
  /** The stages POST /admin/sync and /admin/ship act with: the service's own, never second ones. */
  control: ControlStages;
  /** This run's control token (control-token.ts); null when it could not be written. */
  controlToken: string | null;
  onError(err: unknown): void;
}

export function adminAppDeps(s: Settings, d: AdminStages): AdminAppDeps {
  const { mirror, outbox } = d;
  return {
    uws: d.uws,
    token: d.token,
    isReady: async () => {
      // The same test the public listener makes before it answers 404 (mirror.loaded).
      if (!mirror.loaded) return 'mirror not loaded';
      // Fail-closed answers 503 to every click while the outbox cannot store them: not ready.
      // The probe lets readiness come back without clicks (a balancer sends none meanwhile).
      if (s.failClosed && !outbox.writable && !(await outbox.probe().then(() => true, () => false))) return 'the outbox cannot store clicks (disk full?): fail-closed answers 503';
      return true;
    },
    metrics: async () => {
      await d.refreshGauges();
      return d.scrape();
    },
    jsonRoutes: d.analytics.routes,
    postRoutes: controlRoutes(d.control),
    // A POST always needs a bearer, on loopback too: this run's control token, or admin.token_file's.
    controlTokens: [d.controlToken, d.token].filter((t): t is string => t !== null),
    onError: d.onError,
    statusPage: async () => renderStatusPage(await d.statusData()),
  };
}
