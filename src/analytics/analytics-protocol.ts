/**
 * The messages between the serving thread (analytics-thread.ts) and the analytics thread
 * (analytics-worker.ts), declared apart from both so that neither imports the other: the
 * launcher starts the worker's file, and the worker needs only these shapes.
 */
import type { AnalyticsOutcome } from './statistics.js';

export interface AnalyticsRequest {
  seq: number;
  trackingId: string;
  nowMs: number;
}

export interface AnalyticsResponse {
  seq: number;
  outcome: AnalyticsOutcome;
}
