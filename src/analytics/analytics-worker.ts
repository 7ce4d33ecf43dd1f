/**
 * The analytics thread: its own read-only connections to mirror.db and outbox.db, so a scan
 * of a large outbox (seconds for millions of clicks) runs beside the redirects instead of stalling
 * them. Requests are answered one at a time, in order. Started by analytics-thread.ts; speaks
 * analytics-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openLinkReader } from '../mirror/store/link-reader.js';
import { openOutboxReadOnly, type OutboxReadOnly } from '../outbox/index.js';
import type { AnalyticsBoot, AnalyticsResponse, ToAnalytics } from './analytics-protocol.js';
import { analyticsOf } from './statistics.js';

const { dataDir } = workerData as AnalyticsBoot;
const links = openLinkReader(dataDir);
let outbox: OutboxReadOnly | null = null;
const currentOutbox = (): OutboxReadOnly => {
  // Until outbox.db exists every count is zero; try again on each call.
  if (!outbox?.exists) {
    outbox?.close();
    outbox = openOutboxReadOnly(dataDir);
  }
  return outbox;
};

const port = parentPort!;
port.on('message', (m: ToAnalytics) => {
  if ('type' in m) {
    links.close();
    outbox?.close();
    port.close();
    return;
  }
  let outcome: AnalyticsResponse['outcome'];
  try {
    outcome = analyticsOf(links, currentOutbox, m.trackingId, new Date(m.nowMs));
  } catch (err) {
    outcome = { kind: 'failed', part: 'outbox', detail: (err as Error).message };
  }
  const r: AnalyticsResponse = { seq: m.seq, outcome };
  port.postMessage(r);
});
