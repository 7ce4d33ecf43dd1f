/**
 * What goes over the wire. A click is sent exactly as the integration guide's record-click
 * body, plus its `click_id` (the main system de-duplicates on it). The shipper never decides
 * what a click contains: these are the outbox's values, in the guide's field order.
 *
 * `anonymous` travels inside `metadata` (`"anonymous": true`, present only on DNT/GPC clicks):
 * the guide's link_clicks table has no such column but keeps `metadata` as free JSONB, so a
 * guide-conformant main system stores it without a schema change, and a strict validator of
 * the guide's top-level fields is not upset by an unknown one. A non-anonymous click's body is
 * exactly the guide's shape.
 */
import { createHash } from 'node:crypto';
import type { ClickRecord } from '../types.js';

/** A ClickRecord as sent: `anonymous` folded into `metadata`. Derived, so the two cannot drift. */
export type WireClick = Omit<ClickRecord, 'anonymous' | 'metadata'> & { metadata: Record<string, unknown> };

export function toWire(c: ClickRecord): WireClick {
  return {
    click_id: c.click_id,
    tracking_id: c.tracking_id,
    clicked_at: c.clicked_at,
    ip_address: c.ip_address,
    user_agent: c.user_agent,
    referrer_url: c.referrer_url,
    session_id: c.session_id,
    click_source: c.click_source,
    metadata: c.anonymous ? { ...c.metadata, anonymous: true } : { ...c.metadata },
  };
}

/** A click ready to send: its id and its JSON, serialized once and reused by every resend and split. */
export interface Item {
  seq: number;
  id: string;
  json: string;
  /** The outbox's record, for a sink that takes columns rather than JSON (PostgreSQL). */
  click: ClickRecord;
}

export function toItem(seq: number, click: ClickRecord): Item {
  return { seq, id: click.click_id, json: JSON.stringify(toWire(click)), click };
}

/** The record-clicks body, assembled from the already serialized clicks. */
export function batchBody(items: readonly Item[]): string {
  let body = '{"clicks":[';
  for (let i = 0; i < items.length; i++) body += (i === 0 ? '' : ',') + items[i]!.json;
  return body + ']}';
}

/**
 * The Idempotency-Key of a batch: the same clicks give the same key on every resend, whatever
 * their order; a split half or a retried remainder is a different batch with its own key.
 */
export function batchKey(items: readonly Item[]): string {
  const h = createHash('sha256');
  for (const id of items.map((i) => i.id).sort()) h.update(id).update('\n');
  return `clicks-${h.digest('hex')}`;
}
