/**
 * The shipper's public shapes: what it is given and what it tells the service. What it needs
 * from the outbox and the main system are its ports (ports.ts).
 */
import type { ClickSink, OutboxPort, SinkRetryReason } from './ports.js';

export type { Item, OutboxPort } from './ports.js';

export type ShipMode = 'batch' | 'single';

/**
 * Why a request is tried again. A closed set, so the service can use it as a metric label.
 * - server_error: 5xx other than 501
 * - rate_limited: 429
 * - request_timeout: 408
 * - timeout: no answer within main_system.timeout_ms (headers, body or connect)
 * - connection: refused, reset, closed without an answer, DNS, TLS
 * - bad_response: a 2xx whose body does not say what became of every click
 * - unexpected_status: 1xx/3xx (undici follows no redirects; a redirect is a misconfiguration,
 *   retried rather than dead-lettered so nothing is lost while the operator fixes it)
 */
export type RetryReason = SinkRetryReason;

export type OutboxOp = 'take' | 'ack' | 'note' | 'dead_letter' | 'stats';

/** One operational event; the service turns each into a log line and a metric, together. */
export type ShipperEvent =
  /** The outbox recorded `count` clicks as shipped; `duplicates` of them the main system already had. */
  | { type: 'shipped'; count: number; duplicates: number }
  /** A request for `count` clicks failed and is tried again in `delayMs`. */
  | { type: 'retry'; reason: RetryReason; delayMs: number; count: number; attempt: number; status?: number; /** why, as stored in last_error (e.g. "ECONNREFUSED 127.0.0.1:8095") */ detail?: string }
  /** `count` clicks moved to dead letter. `kind`: rejected in a batch result, or a permanent HTTP status. */
  | { type: 'dead_letter'; count: number; kind: 'rejected' | 'http'; reason: string; status?: number }
  /** The key was refused (401/403): shipping is paused, retried every max_backoff_ms. Once per pause. */
  | { type: 'unauthorized'; status: number; detail?: string }
  /** A request succeeded after a pause. */
  | { type: 'resumed' }
  /** record-clicks is not offered (404/405/501): single mode for the rest of the process. Once. */
  | { type: 'fallback_to_single'; status: number }
  /** A batch was cut in two to get past a 413 or to isolate clicks the main system refuses. */
  | { type: 'split'; size: number; status: number }
  /** An outbox call failed; it is retried (the clicks stay as they were). */
  | { type: 'outbox_error'; op: OutboxOp; message: string };

export interface ShipperOptions {
  outbox: OutboxPort;
  /** Where the clicks go (src/main-system/click-sink.ts opens the configured one). The shipper closes it on stop. */
  sink: ClickSink;
  /** shipper.mode; a sink without a single-click route is always sent batches. */
  mode: ShipMode;
  /** shipper.batch_size: clicks per batch (and per read from the outbox in single mode). */
  batchSize: number;
  /** shipper.linger_ms: longest a partial batch waits for more clicks. */
  lingerMs: number;
  /** shipper.concurrency: requests in flight at most (both modes; lowered while the main system sheds load). */
  concurrency: number;
  /** shipper.max_backoff_ms: cap of the retry backoff; also the pause between probes while unauthorized. */
  maxBackoffMs: number;
  /** First backoff step (default 100 ms): retry n waits uniform [0, min(max, base·2^n)). */
  baseBackoffMs?: number;
  /** How often an idle shipper looks at the outbox without being notified (default 2 s). */
  pollMs?: number;
  /** Batches read ahead and in flight at once (default 2: one answering, one being prepared). */
  pipeline?: number;
  onEvent?: (e: ShipperEvent) => void;
  /** For tests: jitter source in [0, 1). */
  random?: () => number;
  /** For tests: wall clock in ms (stats.lastSuccess, shipped_at). */
  now?: () => number;
}

export interface ShipperStats {
  /** Clicks taken from the outbox and not yet settled (acknowledged or dead-lettered). */
  inFlight: number;
  /** Clicks acknowledged in this process (duplicates included). */
  shipped: number;
  duplicates: number;
  retriesByReason: Record<string, number>;
  deadLettered: number;
  /** Wall-clock ms of the last acknowledgement written, or null. */
  lastSuccess: number | null;
  paused: boolean;
  /** The mode in use now: 'single' after a fallback. */
  mode: ShipMode;
}

export interface DrainResult {
  /** Clicks still pending in the outbox (dead letters are not pending). */
  pending: number;
  dead_letter: number;
  /** True when the drain ended with shipping paused by a refused key. */
  paused: boolean;
}

export interface Shipper {
  /** Begins shipping: reads whatever is pending, then follows notify() and a slow poll. */
  start(): void;
  /** The service recorded `n` clicks (default 1): ship them soon. Cheap; call it per click. */
  notify(n?: number): void;
  /** Ship everything pending now (no linger), waiting out backoffs, until nothing is pending or the timeout. Starts the shipper if needed. */
  drain(opts: { timeoutMs: number }): Promise<DrainResult>;
  /** No new requests; in-flight ones may finish within graceMs, then are aborted. Unanswered clicks stay pending, unmarked. */
  stop(opts: { graceMs: number }): Promise<void>;
  /** Ends a pause's wait at once: the credential was replaced (e.g. a rotated key file given to the sink). */
  resumeNow(): void;
  stats(): ShipperStats;
}
