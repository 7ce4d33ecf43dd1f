/**
 * The HTTP click sink's request bodies: the guide's record-click and the contract's
 * record-clicks, and a batch's Idempotency-Key. Pure.
 *
 * A click is sent exactly as the guide's record-click body, plus its `click_id` (the main
 * system de-duplicates on it), in the guide's field order: the outbox's values as they are,
 * `metadata` spliced in as its stored JSON text (../click-metadata.ts).
 */
import { createHash } from 'node:crypto';
import { metadataOnWire } from '../click-metadata.js';
import type { StoredClick } from '../../types.js';

const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));

/** One click's JSON text. */
export function clickJson(c: StoredClick): string {
  return (
    `{"click_id":${str(c.click_id)},"tracking_id":${str(c.tracking_id)},"clicked_at":${str(c.clicked_at)},` +
    `"ip_address":${str(c.ip_address)},"user_agent":${str(c.user_agent)},"referrer_url":${str(c.referrer_url)},` +
    `"session_id":${str(c.session_id)},"click_source":${str(c.click_source)},"metadata":${metadataOnWire(c)}}`
  );
}

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
