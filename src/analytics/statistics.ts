/**
 * Local analytics: the guide's `GET /api/link-tracking/analytics/{tracking_id}` answer for one
 * link — `link_info` from the mirror, `click_statistics` from the outbox — answered on the admin
 * listener. Statistics cover the clicks this server still holds: shipped clicks leave after
 * privacy.retention_days, so totals are "the last retention_days days plus anything unshipped";
 * the main system keeps the history. Bots and link scanners are counted like the main system
 * counts them (the guide has no field for them), and split out beside the guide's keys in
 * `click_quality`; anonymous clicks have no session, so they add to total_clicks but not to
 * unique_sessions.
 */
import type { GuideLinkInfo, LinkReader } from '../mirror/index.js';
import type { OutboxReadOnly } from '../outbox/index.js';

/** The guide's `click_statistics` object, field for field. */
export interface ClickStatistics {
  total_clicks: number;
  unique_sessions: number;
  first_click: string | null;
  last_click: string | null;
  clicks_24h: number;
  clicks_7d: number;
}

/** Not in the guide: the same clicks split by the bot / scanner flags in their metadata. */
export interface ClickQuality {
  human_clicks: number;
  /** `metadata.bot` or `metadata.scanner` set: scanner_clicks + bot_clicks */
  automated_clicks: number;
  /** e-mail security gateways (`metadata.scanner`) */
  scanner_clicks: number;
  /** other automated clients (`metadata.bot`, no scanner) */
  bot_clicks: number;
}

/** The guide's analytics answer, plus clickrelay's `click_quality` beside its two keys. */
export interface AnalyticsAnswer {
  link_info: GuideLinkInfo;
  click_statistics: ClickStatistics;
  click_quality: ClickQuality;
}

/** What one analytics call comes to; service/analytics-route.ts turns it into the guide's HTTP answers. */
export type AnalyticsOutcome =
  | { kind: 'found'; answer: AnalyticsAnswer }
  | { kind: 'unknown'; trackingId: string }
  | { kind: 'failed'; part: 'mirror' | 'outbox' | 'unexpected'; detail: string };

const DAY_MS = 86_400_000;

function counts(reader: Pick<OutboxReadOnly, 'trackingStats'>, trackingId: string, now: Date): { stats: ClickStatistics; quality: ClickQuality } {
  const at = now.getTime();
  const s = reader.trackingStats(trackingId, [new Date(at - DAY_MS).toISOString(), new Date(at - 7 * DAY_MS).toISOString()]);
  return {
    stats: {
      total_clicks: s.total,
      unique_sessions: s.sessions,
      first_click: s.first,
      last_click: s.last,
      clicks_24h: s.since[0] ?? 0,
      clicks_7d: s.since[1] ?? 0,
    },
    quality: { human_clicks: s.total - s.scanners - s.bots, automated_clicks: s.scanners + s.bots, scanner_clicks: s.scanners, bot_clicks: s.bots },
  };
}

export function clickStatistics(reader: Pick<OutboxReadOnly, 'trackingStats'>, trackingId: string, now: Date = new Date()): ClickStatistics {
  return counts(reader, trackingId, now).stats;
}

/**
 * One analytics answer. The mirror is asked first: an id it does not know is the guide's 404,
 * and costs no scan of the outbox (which has no tracking_id index, see outbox/schema.ts).
 * Synchronous and a full scan: run it in the analytics thread, never on the redirect thread.
 */
export function analyticsOf(links: LinkReader, outbox: () => Pick<OutboxReadOnly, 'trackingStats'>, trackingId: string, now: Date): AnalyticsOutcome {
  let link: GuideLinkInfo | null;
  try {
    link = links.link(trackingId);
  } catch (err) {
    return { kind: 'failed', part: 'mirror', detail: (err as Error).message };
  }
  if (!link) return { kind: 'unknown', trackingId };
  try {
    const { stats, quality } = counts(outbox(), trackingId, now);
    return { kind: 'found', answer: { link_info: link, click_statistics: stats, click_quality: quality } };
  } catch (err) {
    return { kind: 'failed', part: 'outbox', detail: (err as Error).message };
  }
}
