/**
 * A click as the outbox stores it: the guide's `link_clicks` columns plus `anonymous`, in one
 * fixed order. The same tuple is bound to the INSERT, carried to the writer thread (flattened,
 * see writer-protocol.ts) and hashed by the audit chain, so "what is stored" and "what is hashed"
 * cannot drift apart.
 */
import type { ClickMetadata, ClickRecord, ClickSource, StoredClick } from '../types.js';

/** Column names in tuple order. Changing this order changes every chain hash: don't. */
export const CLICK_COLUMNS = [
  'click_id',
  'tracking_id',
  'clicked_at',
  'ip_address',
  'user_agent',
  'referrer_url',
  'session_id',
  'click_source',
  'metadata',
  'anonymous',
] as const;

/** Values in CLICK_COLUMNS order; `metadata` is its JSON text, `anonymous` is 0 or 1. */
export type ClickColumns = readonly [
  click_id: string,
  tracking_id: string,
  clicked_at: string,
  ip_address: string | null,
  user_agent: string | null,
  referrer_url: string | null,
  session_id: string | null,
  click_source: string,
  metadata: string,
  anonymous: 0 | 1,
];

export const CLICK_STRIDE = CLICK_COLUMNS.length;

/** Metadata as JSON with sorted keys, so equal metadata is always stored (and hashed) as equal text. */
export function metadataJson(metadata: ClickMetadata): string {
  // The privacy stage hands out one frozen metadata object per distinct query (and bot flag),
  // so its text is made once, not once per click. Only frozen objects are
  // remembered: their text cannot change.
  let json = frozenJson.get(metadata);
  if (json !== undefined) return json;
  json = JSON.stringify(metadata, Object.keys(metadata).sort());
  if (Object.isFrozen(metadata)) frozenJson.set(metadata, json);
  return json;
}

const frozenJson = new WeakMap<ClickMetadata, string>();

/** Appends a record's column values to a flat array (the writer's batch format). */
export function pushClickColumns(out: unknown[], c: ClickRecord): void {
  out.push(
    c.click_id,
    c.tracking_id,
    c.clicked_at,
    c.ip_address,
    c.user_agent,
    c.referrer_url,
    c.session_id,
    c.click_source,
    metadataJson(c.metadata),
    c.anonymous ? 1 : 0,
  );
}

export function clickColumns(c: ClickRecord): ClickColumns {
  const out: unknown[] = [];
  pushClickColumns(out, c);
  return out as unknown as ClickColumns;
}

/** Reads the tuple starting at `at` in a flat array. */
export function columnsAt(flat: readonly unknown[], at: number): ClickColumns {
  return flat.slice(at, at + CLICK_STRIDE) as unknown as ClickColumns;
}

/** A row as better-sqlite3 returns it, keyed by column name. */
export type ClickRow = { [K in (typeof CLICK_COLUMNS)[number]]: K extends 'anonymous' ? number : string | null };

export function columnsOfRow(r: ClickRow): ClickColumns {
  return [
    r.click_id as string,
    r.tracking_id as string,
    r.clicked_at as string,
    r.ip_address,
    r.user_agent,
    r.referrer_url,
    r.session_id,
    r.click_source as string,
    r.metadata as string,
    r.anonymous ? 1 : 0,
  ];
}

export function recordOfColumns(c: ClickColumns): ClickRecord {
  return { ...storedClickOfColumns(c), metadata: JSON.parse(c[8]) as ClickMetadata };
}

/** The shipper's view: the same values, `metadata` left as its stored JSON text (never parsed only to be sent). */
export function storedClickOfColumns(c: ClickColumns): StoredClick {
  return {
    click_id: c[0],
    tracking_id: c[1],
    clicked_at: c[2],
    ip_address: c[3],
    user_agent: c[4],
    referrer_url: c[5],
    session_id: c[6],
    click_source: c[7] as ClickSource,
    metadata: c[8],
    anonymous: c[9] === 1,
  };
}
