/**
 * shipper/ — delivery of recorded clicks from the outbox to the main system, through the
 * click-sink port it declares (ports.ts; the adapters live in src/main-system/, chosen by
 * src/adapters/registry.ts).
 *
 * Owns: reading pending clicks in order (pump.ts), batching them (batch_size, byte cap,
 * linger_ms), splitting refused batches and the batch→single fallback (batch.ts, single.ts),
 * one retry policy with capped, fully jittered backoff honouring Retry-After for the sink and
 * the outbox alike (retry-policy.ts, backoff.ts), the retry layer over the sink (retry.ts),
 * pausing on a refused credential (gate.ts), fewer requests while the main system sheds load
 * (limiter.ts), and writing acknowledgements, dead letters and attempt notes back to the
 * outbox (settle.ts). shipper.ts composes them.
 *
 * Never: knows how clicks travel (HTTP, SQL), sees a credential, decides what a click
 * contains (the outbox's stored values go to the sink as they are), logs or exports metrics
 * itself (it emits ShipperEvents; the service maps them to pino lines and Prometheus series).
 *
 * Guarantee: a click leaves the outbox's pending state only after the main system answered for
 * it (recorded, duplicate, or a permanent refusal → dead letter). Everything else is resent,
 * forever, with backoff; a restart resends whatever was in flight; the main system drops the
 * duplicates by click_id.
 */
export { createShipper } from './shipper.js';
export { ShipError, type ShipErrorCode } from './errors.js';
export type { OutboxPort, Shipper, ShipperEvent, ShipperOptions } from './types.js';
export { ShippingState, describeShipping, type ShippingMode, type ShippingSnapshot } from './shipping-state.js';
