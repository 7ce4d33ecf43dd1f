/**
 * A NATS client error read into a verdict for the publishes it concerned. Pure.
 * - a refused login (Authorization Violation, expired credentials) → CR_ERR_NATS_AUTH;
 * - a permission violation on publishing to our subject, or on subscribing to the reply inbox
 *   the PubAcks come on → CR_ERR_NATS_PERMISSION;
 * - JetStream not enabled → CR_ERR_NATS_NO_STREAM;
 * - anything else (refused, reset, closed, DNS, TLS, a timeout) → sent again.
 * Every text passes through `scrub` first: no credential reaches a detail.
 */
import { NatsError } from './errors.js';
import type { PubVerdict } from './verdict.js';

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : null;
  const code = (cause as { code?: unknown } | null)?.code ?? (err as { code?: unknown }).code;
  const msg = cause && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message;
  return (typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg).slice(0, 300);
}

export function faultVerdict(err: unknown, scrub: (s: string) => string): PubVerdict {
  const name = err instanceof Error ? err.name : '';
  const detail = scrub(describeError(err));
  if (name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError') return { kind: 'access', error: new NatsError('CR_ERR_NATS_AUTH', `the NATS server refused the login (${detail})`) };
  if (name === 'PermissionViolationError' || /permissions violation/i.test(detail)) return { kind: 'access', error: new NatsError('CR_ERR_NATS_PERMISSION', `the NATS user lacks a permission (${detail})`) };
  if (name === 'JetStreamNotEnabled' || /jetstream (is )?not enabled/i.test(detail)) return { kind: 'access', error: new NatsError('CR_ERR_NATS_NO_STREAM', `JetStream is not enabled for this account (${detail})`) };
  if (name === 'TimeoutError' || /timeout/i.test(detail)) return { kind: 'retry', reason: 'timeout', detail };
  return { kind: 'retry', reason: 'connection', detail };
}
