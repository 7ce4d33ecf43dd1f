/**
 * Messages between the analytics route's thread (analytics-thread.ts) and the analytics
 * thread (analytics-worker.ts): a query per request, answered by its seq; `close` last.
 */
import type { AnalyticsOutcome } from './statistics.js';

/** workerData of the analytics thread. */
export interface AnalyticsBoot {
  dataDir: string;
}

export interface AnalyticsRequest {
  seq: number;
  trackingId: string;
  /** The caller's clock (tests move it), as Date.getTime(). */
  nowMs: number;
}

export type ToAnalytics = AnalyticsRequest | { type: 'close' };

export interface AnalyticsResponse {
  seq: number;
  outcome: AnalyticsOutcome;
}
