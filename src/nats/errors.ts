/**
 * The NATS sink's coded refusals: a refused login, a missing permission, a subject no
 * stream captures. Each pauses shipping (the port's `unauthorized` outcome, nothing
 * dead-lettered) with its code at the head of the outcome's detail, so the log line,
 * `status` and `ship --once` say which of the three the operator has to fix. The probe
 * (probe.ts) reports the same errors.
 */
import type { AreaErrorCode } from '../error-catalogue.js';
import { ClickrelayError } from '../errors.js';

export type NatsErrorCode = AreaErrorCode<'NATS'>;

export class NatsError extends ClickrelayError<NatsErrorCode> {
  constructor(code: NatsErrorCode, message: string) {
    super(code, message);
    this.name = 'NatsError';
  }

  /** "CR_ERR_NATS_…: message": the detail of the sink's `unauthorized` outcome. */
  get detail(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** The code at the head of an `unauthorized` detail written by this sink, or null. */
export function natsCodeOf(detail: string | undefined): NatsErrorCode | null {
  const m = /^(CR_ERR_NATS_[A-Z_]+):/.exec(detail ?? '');
  return m ? (m[1] as NatsErrorCode) : null;
}
