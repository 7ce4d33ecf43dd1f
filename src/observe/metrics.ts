/**
 * Every Prometheus metric clickrelay exposes, declared in one registry. Stages do not
 * import prom-client; the service wires stage events to these (see events.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * A label-less histogram for a per-click hot path: observe() is a bucket search and three
 * additions on plain numbers (prom-client's Histogram hashes labels and walks objects per
 * observation). prom-client reads it at scrape time through get(), in the same
 * exposition format as its own Histogram (_bucket{le}, _sum, _count).
 */
export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array; // per bucket, not cumulative; the last is +Inf
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
    // The registry only calls name, help, type, get() and reset() (prom-client 15's own
    // metric classes are the declared type, hence the cast).
    registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    const b = this.upperBounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ labels: { le }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A counter for a per-request hot path: `labels(...)` is resolved once by the caller and each
 * inc() then adds to a plain number (prom-client's Counter hashes the label set on every
 * inc()). Exposed like prom-client's Counter, read at scrape time.
 */
export class FastCounter<L extends string = never> {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child for one label set; keep it and call its inc(). */
  labels(labels: Record<L, string>): { inc(value?: number): void } {
    const key = this.labelNames.map((n) => labels[n]).join('\0');
    let child = this.children.get(key);
    if (!child) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = String(labels[n]);
      this.children.set(key, (child = { labels: own, value: 0 }));
    }
    const c = child;
    return {
      inc(value = 1) {
        c.value += value;
      },
    };
  }

  get() {
    const values = [...this.children.values()].map((c) => ({ labels: { ...c.labels }, value: c.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const c of this.children.values()) c.value = 0;
  }
}

/**
 * `processMetrics` false: a serving thread's own set (service/serving-worker.ts), summed into
 * the main thread's at scrape time; the process's CPU and memory are counted once, there.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  // prom-client's own names already start with process_ / nodejs_: the prefix is only ours.
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'clickrelay_' });
  const m = {
    registry,
    redirects: new FastCounter('clickrelay_redirects_total', 'Answers on /track by HTTP status', ['status'] as const, registry),
    clicksRecorded: new Counter({ name: 'clickrelay_clicks_recorded_total', help: 'Clicks committed to the outbox', registers: [registry] }),
    clicksAnonymous: new Counter({ name: 'clickrelay_clicks_anonymous_total', help: 'Clicks recorded without personal fields because of DNT/GPC', registers: [registry] }),
    scannerReferrerOnly: new Counter({ name: 'clickrelay_scanner_referrer_only_total', help: "Clicks whose Referer named an e-mail security gateway while neither the address nor the user agent did: kept as a person's (a warning page's \"continue\", browser isolation)", registers: [registry] }),
    countryDbBuild: new Gauge({ name: 'clickrelay_country_db_build_timestamp_seconds', help: 'Unix time the IP-to-country database in use was built (its metadata build_epoch); absent while privacy.country is off', registers: [registry] }),
    clicksDropped: new Counter({ name: 'clickrelay_clicks_dropped_total', help: 'Clicks deliberately not recorded', labelNames: ['reason'] as const, registers: [registry] }),
    // With clicks_recorded_total, clicks per transaction: how well group commit is sharing
    // each fsync (durable) under the current load.
    outboxTransactions: new Counter({ name: 'clickrelay_outbox_transactions_total', help: 'Outbox transactions that stored clicks (durable: one fsync each)', registers: [registry] }),
    clickWriteErrors: new Counter({ name: 'clickrelay_click_write_errors_total', help: 'Clicks that could not be stored in the outbox (disk full, read-only)', registers: [registry] }),
    // Observed once per click, from the commit listener (see service/events.ts).
    commitSeconds: new FastHistogram(
      'clickrelay_outbox_commit_seconds',
      'Time from a click being queued to its commit being acknowledged',
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registry,
    ),
    outboxPending: new Gauge({ name: 'clickrelay_outbox_pending', help: 'Clicks stored and not yet acknowledged by the main system', registers: [registry] }),
    outboxDeadLetter: new Gauge({ name: 'clickrelay_outbox_dead_letter', help: 'Clicks the main system rejected permanently, waiting for an operator', registers: [registry] }),
    outboxOldestPendingSeconds: new Gauge({ name: 'clickrelay_outbox_oldest_pending_seconds', help: 'Age of the oldest click waiting to be shipped (0 in standalone mode, where nothing waits)', registers: [registry] }),
    // Standalone, nothing is shipped: clicks are kept here until retention, not waiting.
    outboxKeptLocal: new Gauge({ name: 'clickrelay_outbox_kept_local', help: 'Clicks kept on this server only (standalone mode: nothing to ship them to), purged at retention', registers: [registry] }),
    outboxOldestKeptSeconds: new Gauge({ name: 'clickrelay_outbox_oldest_kept_seconds', help: 'Age of the oldest click kept locally (standalone); stays below privacy.retention_days', registers: [registry] }),
    shipLastFailure: new Gauge({ name: 'clickrelay_shipper_last_failure_timestamp_seconds', help: 'Unix time of the last failed shipping attempt (0: none since start)', registers: [registry] }),
    mirrorLinks: new Gauge({ name: 'clickrelay_mirror_links', help: 'Links in the mirror by state', labelNames: ['state'] as const, registers: [registry] }),
    mirrorIndexBytes: new Gauge({ name: 'clickrelay_mirror_index_bytes', help: 'Bytes of the in-memory link table (outside the JS heap); a full re-sync holds a second one until the swap', registers: [registry] }),
    mirrorLastSync: new Gauge({ name: 'clickrelay_mirror_last_sync_timestamp_seconds', help: 'Unix time of the last successful sync', registers: [registry] }),
    syncSeconds: new Histogram({ name: 'clickrelay_sync_duration_seconds', help: 'Duration of mirror syncs', buckets: [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120], registers: [registry] }),
    syncFailures: new Counter({ name: 'clickrelay_sync_failures_total', help: 'Mirror syncs that failed (the old mirror kept serving)', registers: [registry] }),
    syncRejected: new Counter({ name: 'clickrelay_sync_rows_rejected_total', help: 'Link rows rejected during sync, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    missLookups: new Counter({ name: 'clickrelay_miss_lookups_total', help: 'Main-system lookups of ids missing from the mirror, by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    missLookupsShed: new Counter({ name: 'clickrelay_miss_lookups_shed_total', help: 'Miss lookups not sent to the main system because a cap was reached (answered 503 + Retry-After), by cap', labelNames: ['reason'] as const, registers: [registry] }),
    shipped: new Counter({ name: 'clickrelay_shipper_shipped_total', help: 'Clicks acknowledged by the main system', registers: [registry] }),
    shippedDuplicates: new Counter({ name: 'clickrelay_shipper_duplicates_total', help: 'Clicks the main system reported as already recorded', registers: [registry] }),
    shipRetries: new Counter({ name: 'clickrelay_shipper_retries_total', help: 'Shipping attempts retried, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    shipInFlight: new Gauge({ name: 'clickrelay_shipper_in_flight', help: 'Clicks in requests awaiting an answer', registers: [registry] }),
    shipDeadLettered: new Counter({ name: 'clickrelay_shipper_dead_lettered_total', help: 'Clicks moved to dead letter', registers: [registry] }),
    shipLastSuccess: new Gauge({ name: 'clickrelay_shipper_last_success_timestamp_seconds', help: 'Unix time of the last acknowledged shipment', registers: [registry] }),
    // The integration guide's "Monitoring Metrics" (README, Monitoring): average redirect
    // response time, database connection health.
    redirectSeconds: new FastHistogram(
      'clickrelay_redirect_duration_seconds',
      'Time from a request on /track arriving to its answer being written (durable: includes the commit); one request in 16 is timed',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registry,
    ),
    // min: with several serving threads, 0 as soon as one shard's last write failed.
    outboxWritable: new Gauge({ name: 'clickrelay_outbox_writable', help: '1 while the last write to outbox.db succeeded, 0 after one failed (disk full, read-only)', registers: [registry], aggregator: 'min' }),
    mainSystemUp: new Gauge({ name: 'clickrelay_main_system_up', help: '1 when the last call to the main system (sync, shipment) got an answer it could use, 0 when it failed; absent in standalone mode', registers: [registry] }),
    mainSystemInfo: new Gauge({ name: 'clickrelay_main_system_info', help: 'The main-system adapter in use (value 1): http, postgres, or none', labelNames: ['adapter'] as const, registers: [registry] }),
    mainSystemReachable: new Gauge({ name: 'clickrelay_main_system_reachable', help: '1 when the last sync or shipment reached the main system, 0 when it could not connect or timed out', registers: [registry] }),
    uwsBuild: new Gauge({ name: 'clickrelay_uws_build_info', help: 'The uWebSockets.js build in use (value 1)', labelNames: ['package', 'version', 'native', 'tls'] as const, registers: [registry] }),
    untrustedForwarding: new Gauge({ name: 'clickrelay_untrusted_forwarding_detected', help: '1 once X-Forwarded-For or X-Real-IP arrived from a peer not in server.trust_proxy (those headers are ignored: behind a proxy, add it to trust_proxy)', registers: [registry], aggregator: 'max' }),
    requestsRefused: new Counter({ name: 'clickrelay_requests_refused_total', help: 'Requests answered 400 and closed for their framing (a body, Transfer-Encoding, bad Content-Length) or a second Host line, by reason', labelNames: ['reason'] as const, registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
