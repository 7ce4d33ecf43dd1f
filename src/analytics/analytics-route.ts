/**
 * The admin listener's `GET /api/link-tracking/analytics/{tracking_id}`, answered as the
 * integration guide writes it: 200 `{link_info, click_statistics}` (plus clickrelay's
 * `click_quality`), 404 `{"error","tracking_id","timestamp"}` for an id the mirror does not know,
 * 400 `{"error","required_fields","timestamp"}` for a malformed or missing id, 500
 * `{"error","message","timestamp"}` when a file cannot be read, and 503 + Retry-After (guide's
 * 404 shape) when too many calls already wait (analytics-thread.ts). The work runs in the analytics
 * thread; the redirect thread only checks the id and passes messages. A caller that hangs up
 * withdraws its query.
 */
import { createAnalyticsThread, type AnalyticsThread } from './analytics-thread.js';
import { AdminRouteError, JsonReply } from '../http/admin/admin-app.js';
import { INVALID_TRACKING_ID, invalidRequestBody, MISSING_TRACKING_ID, notFoundBody, TRACKING_ID_REQUIRED } from '../http/public/guide-errors.js';
import { TRACKING_ID_PATTERN } from '../types.js';

export const ANALYTICS_PATH = '/api/link-tracking/analytics';

export interface AnalyticsRoutes {
  /** For AdminAppDeps.jsonRoutes. */
  routes: Record<string, (params: string[], signal: AbortSignal) => Promise<unknown>>;
  /** The thread's client, for its queue length. */
  thread: AnalyticsThread;
  close(): Promise<void>;
}

/** Retry-After of a busy answer: a scan takes up to about a second on a large outbox. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

export function analyticsRoutes(dataDir: string, now?: () => Date): AnalyticsRoutes {
  const thread = createAnalyticsThread(dataDir, now);
  const missing = async () => new JsonReply('400 Bad Request', invalidRequestBody(MISSING_TRACKING_ID, TRACKING_ID_REQUIRED));
  return {
    routes: {
      [`${ANALYTICS_PATH}/:id`]: async ([id = ''], signal) => {
        if (!TRACKING_ID_PATTERN.test(id)) return new JsonReply('400 Bad Request', invalidRequestBody(INVALID_TRACKING_ID, TRACKING_ID_REQUIRED));
        const o = await thread.query(id, signal);
        switch (o.kind) {
          case 'busy':
            return new JsonReply('503 Service Unavailable', notFoundBody(id, 'Service temporarily unavailable'), { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
          case 'withdrawn':
            return null; // nobody is there to answer
          case 'found':
            return o.answer;
          case 'unknown':
            return new JsonReply('404 Not Found', notFoundBody(o.trackingId));
          case 'failed':
            // The detail (paths, SQLite's words) goes to the log through the admin app's onError.
            throw new AdminRouteError(o.part, { cause: new Error(o.detail) });
        }
      },
      // uWS does not match `:id` to an empty segment: without an id, the guide's missing-field 400.
      [`${ANALYTICS_PATH}/`]: missing,
      [ANALYTICS_PATH]: missing,
    },
    thread,
    close: () => thread.close(),
  };
}
