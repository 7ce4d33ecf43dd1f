/**
 * A click as it leaves this server, the same bytes whichever sink carries it: the guide's
 * record-click JSON (the HTTP sink's body, one NATS message's body) and its `metadata` as
 * the database sink stores it. Here, below every adapter, so that no adapter imports another.
 *
 * `metadata` as it leaves: the stored JSON text, with
 * `"anonymous": true` spliced in on DNT/GPC clicks. The guide's link_clicks table has no
 * column for the flag but keeps `metadata` as free JSONB, so a guide-conformant main system
 * stores it without a schema change, and a strict validator of the guide's top-level fields
 * is not upset by an unknown one. Text in, text out: the stored object is never parsed only
 * to be serialised again.
 */
import type { StoredClick } from '../types.js';

const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));

export function metadataOnWire(c: StoredClick): string {
  if (!c.anonymous) return c.metadata;
  // The stored text is a JSON object written by JSON.stringify: '{}' or '{…}' without
  // trailing space, so the flag goes before the closing brace (last, as a spread would put it).
  const body = c.metadata.slice(0, -1);
  return `${body}${body === '{' ? '' : ','}"anonymous":true}`;
}

/**
 * One click's record-click JSON text: the guide's fields in the guide's order plus its
 * `click_id` (the receiver de-duplicates on it), the outbox's values as they are, `metadata`
 * spliced in as its stored JSON text.
 */
export function clickJson(c: StoredClick): string {
  return (
    `{"click_id":${str(c.click_id)},"tracking_id":${str(c.tracking_id)},"clicked_at":${str(c.clicked_at)},` +
    `"ip_address":${str(c.ip_address)},"user_agent":${str(c.user_agent)},"referrer_url":${str(c.referrer_url)},` +
    `"session_id":${str(c.session_id)},"click_source":${str(c.click_source)},"metadata":${metadataOnWire(c)}}`
  );
}
