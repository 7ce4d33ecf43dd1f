/**
 * shipper/ — delivery of recorded clicks from the outbox to the main system.
 *
 * Owns: reading pending clicks in order (pump.ts), batching them (batch_size, byte cap,
 * linger_ms), the requests themselves over one keep-alive undici Pool (send.ts), what each
 * answer means (classify.ts), retries with capped, fully jittered backoff and Retry-After
 * (retry.ts, backoff.ts), pausing on a refused key (gate.ts), splitting batches and the
 * batch→single fallback (batch.ts, single.ts), and writing acknowledgements, dead letters
 * and attempt notes back to the outbox (settle.ts). Layers, not flags: send → retry → batch.
 *
 * Never: decides what a click contains (wire.ts sends the outbox's values as they are), logs
 * or exports metrics itself (it emits ShipperEvents; the service maps them to pino lines and
 * Prometheus series), or lets the API key reach any text it produces.
 *
 * Guarantee: a click leaves the outbox's pending state only after the main system answered for
 * it (recorded, duplicate, or a permanent refusal → dead letter). Everything else is resent,
 * forever, with backoff; a restart resends whatever was in flight; the main system drops the
 * duplicates by click_id.
 */
export { createShipper, DEFAULT_MAX_BATCH_BYTES } from './shipper.js';
export { backoffDelay, parseRetryAfter, retryDelay } from './backoff.js';
export { toWire, batchKey, type WireClick } from './wire.js';
export { RECORD_CLICK, RECORD_CLICKS } from './deliver.js';
export type { DrainResult, OutboxPort, RetryReason, Shipper, ShipperEvent, ShipperOptions, ShipperStats, ShipMode } from './types.js';
