/**
 * "Ship everything shippable now": one drain of a shipper (no linger, backoffs and pauses cut
 * short, waiting up to a timeout), told as one JSON object. `ship --once` runs it on a shipper
 * of its own when no serve runs; the admin listener's POST /admin/ship runs it on the running
 * service's shipper (never a second one), and the CLI prints either answer the same way.
 */
import type { ShippingState } from './shipping-state.js';
import type { Shipper } from './types.js';

export interface ShipAnswer {
  /** Acknowledged during this drain (duplicates included), and of those, already recorded. */
  shipped: number;
  duplicates: number;
  /** Still pending in the outbox when the drain ended (dead letters are not pending). */
  pending: number;
  dead_letter: number;
  /** Shipping is paused by a refused credential. */
  paused: boolean;
  /** Why the last attempt failed (the shipper's state), with its attempt and when the next is due. */
  last_error: string | null;
  attempt: number;
  next_attempt_at: string | null;
  /** The click sink shipped to (adapters/registry.ts CLICK_SINKS), for the words the CLI prints. */
  sink: string;
}

export async function shipNow(shipper: Shipper, state: ShippingState, sink: string, timeoutMs: number): Promise<ShipAnswer> {
  const before = shipper.stats();
  const r = await shipper.drain({ timeoutMs });
  const after = shipper.stats();
  const now = state.snapshot();
  return {
    shipped: after.shipped - before.shipped,
    duplicates: after.duplicates - before.duplicates,
    pending: r.pending,
    dead_letter: r.dead_letter,
    paused: r.paused,
    last_error: now.last_error,
    attempt: now.attempt,
    next_attempt_at: now.next_attempt_at,
    sink,
  };
}
