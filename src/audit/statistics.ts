/**
 * Local analytics: the guide's `click_statistics` for one link, answered from the outbox
 * on the admin listener (`/api/link-tracking/analytics/:id`). It covers the clicks this
 * server still holds: shipped clicks leave after privacy.retention_days, so totals are "the
 * last retention_days days plus anything unshipped"; the main system keeps the history.
 * Bots are counted like the main system counts them (the bot flag is in metadata for
 * whoever wants them out); anonymous clicks have no session, so they add to total_clicks
 * but not to unique_sessions. Besides the guide's fields, total_clicks is split into
 * human_clicks, scanner_clicks (e-mail security gateways, metadata.scanner) and bot_clicks
 * (other automated clients, metadata.bot), which add up to it.
 */
import { TRACKING_ID_PATTERN } from '../mirror/validate.js';
import { openOutboxReadOnly, type OutboxReadOnly } from '../outbox/index.js';

/** The guide's `click_statistics` object, field for field. */
export interface ClickStatistics {
  total_clicks: number;
  unique_sessions: number;
  first_click: string | null;
  last_click: string | null;
  clicks_24h: number;
  clicks_7d: number;
  human_clicks: number;
  scanner_clicks: number;
  bot_clicks: number;
}

export interface AnalyticsAnswer {
  tracking_id: string;
  click_statistics: ClickStatistics;
}

const DAY_MS = 86_400_000;

export function clickStatistics(reader: Pick<OutboxReadOnly, 'trackingStats'>, trackingId: string, now: Date = new Date()): ClickStatistics {
  const at = now.getTime();
  const s = reader.trackingStats(trackingId, [new Date(at - DAY_MS).toISOString(), new Date(at - 7 * DAY_MS).toISOString()]);
  return {
    total_clicks: s.total,
    unique_sessions: s.sessions,
    first_click: s.first,
    last_click: s.last,
    clicks_24h: s.since[0] ?? 0,
    clicks_7d: s.since[1] ?? 0,
    human_clicks: s.total - s.scanners - s.bots,
    scanner_clicks: s.scanners,
    bot_clicks: s.bots,
  };
}

export interface AnalyticsRoute {
  /** null for a malformed id (the admin app answers 404); zeros for a link without clicks. */
  (trackingId: string): Promise<AnalyticsAnswer | null>;
  close(): void;
}

/**
 * The admin route's handler. One read-only connection, opened on first use and kept: WAL
 * readers never block the writer, and the query is one index range on tracking_id.
 */
export function createAnalyticsRoute(dataDir: string, now: () => Date = () => new Date()): AnalyticsRoute {
  let reader: OutboxReadOnly | null = null;
  const handler = async (trackingId: string): Promise<AnalyticsAnswer | null> => {
    if (!TRACKING_ID_PATTERN.test(trackingId)) return null;
    if (!reader?.exists) {
      reader?.close();
      reader = openOutboxReadOnly(dataDir); // until outbox.db exists, try again on each call
    }
    return { tracking_id: trackingId, click_statistics: clickStatistics(reader, trackingId, now()) };
  };
  return Object.assign(handler, {
    close: () => {
      reader?.close();
      reader = null;
    },
  });
}
