/**
 * The analytics thread: its own read-only connections to mirror.db and every outbox shard
 * (outbox.db, outbox-1.db, …: counts summed, sessions distinct over all), so a scan
 * of a large outbox (seconds for millions of clicks) runs beside the redirects instead of stalling
 * them. Requests are answered one at a time, in order. Started by analytics-thread.ts; speaks
 * analytics-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openLinkReader } from '../mirror/store/link-reader.js';
import { listShards, openShardReaders, type ShardReaders } from '../outbox/index.js';
import type { AnalyticsBoot, AnalyticsResponse, ToAnalytics } from './analytics-protocol.js';
import { analyticsOf } from './statistics.js';

const { dataDir } = workerData as AnalyticsBoot;
const links = openLinkReader(dataDir);
let outbox: ShardReaders | null = null;
let opened = '';
const currentOutbox = (): ShardReaders => {
  // Until a shard exists every count is zero, and a serve may add shards (more threads):
  // open again whenever the shards on disk are not the ones open.
  const present = listShards(dataDir).join(',');
  if (!outbox?.exists || present !== opened) {
    outbox?.close();
    outbox = openShardReaders(dataDir);
    opened = present;
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
