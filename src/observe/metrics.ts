/**
 * Every Prometheus metric clickrelay exposes, declared in one registry. Stages do not
 * import prom-client; the service wires stage events to these (see events.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clickrelay_process_' });
  const m = {
    registry,
    redirects: new Counter({ name: 'clickrelay_redirects_total', help: 'Answers on /track by HTTP status', labelNames: ['status'] as const, registers: [registry] }),
    clicksRecorded: new Counter({ name: 'clickrelay_clicks_recorded_total', help: 'Clicks committed to the outbox', registers: [registry] }),
    clicksAnonymous: new Counter({ name: 'clickrelay_clicks_anonymous_total', help: 'Clicks recorded without personal fields because of DNT/GPC', registers: [registry] }),
    clicksDropped: new Counter({ name: 'clickrelay_clicks_dropped_total', help: 'Clicks deliberately not recorded', labelNames: ['reason'] as const, registers: [registry] }),
    clickWriteErrors: new Counter({ name: 'clickrelay_click_write_errors_total', help: 'Clicks that could not be stored in the outbox (disk full, read-only)', registers: [registry] }),
    commitSeconds: new Histogram({
      name: 'clickrelay_outbox_commit_seconds',
      help: 'Time from a click being queued to its commit being acknowledged',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    outboxPending: new Gauge({ name: 'clickrelay_outbox_pending', help: 'Clicks stored and not yet acknowledged by the main system', registers: [registry] }),
    outboxDeadLetter: new Gauge({ name: 'clickrelay_outbox_dead_letter', help: 'Clicks the main system rejected permanently, waiting for an operator', registers: [registry] }),
    outboxOldestPendingSeconds: new Gauge({ name: 'clickrelay_outbox_oldest_pending_seconds', help: 'Age of the oldest pending click', registers: [registry] }),
    mirrorLinks: new Gauge({ name: 'clickrelay_mirror_links', help: 'Links in the mirror by state', labelNames: ['state'] as const, registers: [registry] }),
    mirrorLastSync: new Gauge({ name: 'clickrelay_mirror_last_sync_timestamp_seconds', help: 'Unix time of the last successful sync', registers: [registry] }),
    syncSeconds: new Histogram({ name: 'clickrelay_sync_duration_seconds', help: 'Duration of mirror syncs', buckets: [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120], registers: [registry] }),
    syncFailures: new Counter({ name: 'clickrelay_sync_failures_total', help: 'Mirror syncs that failed (the old mirror kept serving)', registers: [registry] }),
    syncRejected: new Counter({ name: 'clickrelay_sync_rows_rejected_total', help: 'Link rows rejected during sync, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    missLookups: new Counter({ name: 'clickrelay_miss_lookups_total', help: 'Main-system lookups of ids missing from the mirror, by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    shipped: new Counter({ name: 'clickrelay_shipper_shipped_total', help: 'Clicks acknowledged by the main system', registers: [registry] }),
    shippedDuplicates: new Counter({ name: 'clickrelay_shipper_duplicates_total', help: 'Clicks the main system reported as already recorded', registers: [registry] }),
    shipRetries: new Counter({ name: 'clickrelay_shipper_retries_total', help: 'Shipping attempts retried, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    shipInFlight: new Gauge({ name: 'clickrelay_shipper_in_flight', help: 'Clicks in requests awaiting an answer', registers: [registry] }),
    shipDeadLettered: new Counter({ name: 'clickrelay_shipper_dead_lettered_total', help: 'Clicks moved to dead letter', registers: [registry] }),
    shipLastSuccess: new Gauge({ name: 'clickrelay_shipper_last_success_timestamp_seconds', help: 'Unix time of the last acknowledged shipment', registers: [registry] }),
    uwsBuild: new Gauge({ name: 'clickrelay_uws_build_info', help: 'The uWebSockets.js build in use (value 1)', labelNames: ['package', 'version', 'native', 'tls'] as const, registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
