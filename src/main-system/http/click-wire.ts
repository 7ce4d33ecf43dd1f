/**
 * The HTTP click sink's request bodies: the contract's record-clicks around the guide's
 * record-click texts (src/lib/click-json.ts, shared with the NATS sink), and a batch's
 * Idempotency-Key. Pure.
 */
import { createHash } from 'node:crypto';

/** The record-clicks body, assembled from the clicks' JSON texts. */
export function batchBody(jsons: readonly string[]): string {
  return `{"clicks":[${jsons.join(',')}]}`;
}

/**
 * The Idempotency-Key of a batch: the same clicks give the same key on every resend, whatever
 * their order; a split half or a retried remainder is a different batch with its own key.
 */
export function batchKey(clickIds: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of [...clickIds].sort()) h.update(id).update('\n');
  return `clicks-${h.digest('hex')}`;
}
