/**
 * The gauges read at scrape time (/metrics) rather than on every event: outbox backlog,
 * shipper in-flight, mirror index size and link counts. The outbox figures are sums over
 * every shard (OutboxShardSet.stats()).
 */
import type { Metrics } from '../observe/metrics.js';
import type { Mirror } from '../mirror/index.js';
import type { OutboxShardSet } from '../outbox/index.js';
import type { Shipper } from '../shipper/index.js';

export function gaugeRefresher(d: { metrics: Metrics; outbox: Pick<OutboxShardSet, 'stats'>; mirror: Mirror; shipper: Shipper | null; standalone: boolean }): () => Promise<void> {
  const { metrics, outbox, mirror, shipper } = d;
  const shipping = !d.standalone;
  return async () => {
    // An outbox that cannot be opened (disk full) has no figures: /metrics still answers,
    // with clickrelay_click_write_errors_total counting what is lost.
    const s = await outbox.stats().catch(() => null);
    if (s) {
      const oldestAge = s.oldest_pending ? Math.max(0, (Date.now() - Date.parse(s.oldest_pending)) / 1000) : 0;
      // Standalone, unshipped clicks wait for nothing: they are kept until retention. Reported
      // as pending they would keep an "oldest pending" alert firing for the whole retention.
      metrics.outboxPending.set(shipping ? s.pending : 0);
      metrics.outboxOldestPendingSeconds.set(shipping ? oldestAge : 0);
      metrics.outboxKeptLocal.set(shipping ? 0 : s.pending);
      metrics.outboxOldestKeptSeconds.set(shipping ? 0 : oldestAge);
      metrics.outboxDeadLetter.set(s.dead_letter);
    }
    if (shipper) metrics.shipInFlight.set(shipper.stats().inFlight);
    const index = mirror.holder.current;
    const counts = index.counts();
    metrics.mirrorIndexBytes.set(index.bytes);
    metrics.mirrorLinks.set({ state: 'active' }, counts.active);
    metrics.mirrorLinks.set({ state: 'inactive' }, counts.inactive);
  };
}
