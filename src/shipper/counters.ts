/** The numbers behind Shipper.stats(), written by the layers that know them. */
import type { ShipperStats } from './types.js';

/** ShipperStats less what is read from elsewhere (the gate, the batch layer's mode). */
export type Counters = Omit<ShipperStats, 'paused' | 'mode'>;

export function newCounters(): Counters {
  return { inFlight: 0, shipped: 0, duplicates: 0, retriesByReason: {}, deadLettered: 0, lastSuccess: null };
}

export function countRetry(c: Counters, reason: string): void {
  c.retriesByReason[reason] = (c.retriesByReason[reason] ?? 0) + 1;
}
