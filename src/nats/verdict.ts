/**
 * What became of one published click, and what a fault of the connection means for the
 * clicks it concerned: stored (now, or before: a duplicate within the window), refused for
 * good (this message only), worth sending again, or a refusal of access that pauses shipping.
 * Readers of a PubAck (pub-ack.ts) and of a client error (faults.ts) both answer in these.
 */
import type { SinkRetryReason } from '../shipper/ports.js';
import type { NatsError } from './errors.js';

export type PubVerdict =
  | { kind: 'stored'; duplicate: boolean }
  | { kind: 'refused'; reason: string }
  | { kind: 'retry'; reason: SinkRetryReason; detail: string; slowDown?: boolean }
  | { kind: 'access'; error: NatsError };
