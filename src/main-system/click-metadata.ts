/**
 * A click's `metadata` as it leaves for the main system: the stored JSON text, with
 * `"anonymous": true` spliced in on DNT/GPC clicks. The guide's link_clicks table has no
 * column for the flag but keeps `metadata` as free JSONB, so a guide-conformant main system
 * stores it without a schema change, and a strict validator of the guide's top-level fields
 * is not upset by an unknown one. Text in, text out: the stored object is never parsed only
 * to be serialised again.
 */
import type { StoredClick } from '../types.js';

export function metadataOnWire(c: StoredClick): string {
  if (!c.anonymous) return c.metadata;
  // The stored text is a JSON object written by JSON.stringify: '{}' or '{…}' without
  // trailing space, so the flag goes before the closing brace (last, as a spread would put it).
  const body = c.metadata.slice(0, -1);
  return `${body}${body === '{' ? '' : ','}"anonymous":true}`;
}
