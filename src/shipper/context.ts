/**
 * What every layer shares: the clock, the dice, the counters behind stats(), the event sink,
 * and the two stop signals. Built once by createShipper.
 */
import type { PauseGate } from './gate.js';
import type { ShipperEvent, ShipperStats } from './types.js';

/** The mutable numbers behind stats(): ShipperStats less what is read from elsewhere. */
export type Counters = Omit<ShipperStats, 'paused' | 'mode'>;

export interface ShipContext {
  emit(e: ShipperEvent): void;
  counters: Counters;
  /** Wall clock, ms. */
  now(): number;
  random(): number;
  baseMs: number;
  capMs: number;
  gate: PauseGate;
  /** Fires when stop() begins: no new attempt starts, waits end. */
  stopping: AbortSignal;
  /** Fires when stop()'s grace is over: requests still in flight are aborted. */
  requests: AbortSignal;
}

export function newCounters(): Counters {
  return { inFlight: 0, shipped: 0, duplicates: 0, retriesByReason: {}, deadLettered: 0, lastSuccess: null };
}
