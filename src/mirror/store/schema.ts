/**
 * mirror.db layout. The mirror is a cache of the main system, rebuilt whole by every
 * changed sync. A file of the previous layout (v1) still loads, and is rewritten to this
 * one at start-up (migrate.ts), so an upgrade never starts with an empty index.
 *
 * `link_tracking` keeps what the redirect needs (tracking_id, original_url, is_active)
 * and the guide's `link_info` fields an operator may want to see (link_function,
 * link_type, job_id, application_id). The free-text `description` and `created_by` are
 * copied only when `sync.store_descriptions` asks for them (NULL otherwise): nothing the
 * redirect uses, and nothing the privacy notice has to explain. v1 also kept redirect_url
 * and created_at; neither is used. Types are SQLite's: UUIDs as TEXT, is_active as 0/1.
 */

export const MIRROR_DB = 'mirror.db';
export const SCHEMA_VERSION = 2;
/** Layouts this code can still read (rows by tracking_id, is_active, original_url; sync_state). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export const CREATE_LINK_TRACKING = `
CREATE TABLE IF NOT EXISTS link_tracking (
  tracking_id    TEXT PRIMARY KEY,
  job_id         TEXT,
  application_id TEXT,
  link_function  TEXT,
  link_type      TEXT,
  original_url   TEXT NOT NULL,
  is_active      INTEGER NOT NULL CHECK (is_active IN (0, 1)),
  description    TEXT,   -- NULL unless sync.store_descriptions
  created_by     TEXT    -- NULL unless sync.store_descriptions
) WITHOUT ROWID`;
// WITHOUT ROWID: the text primary key is the only access path, so the table is the index
// (one B-tree instead of two: smaller file, faster bulk insert).

/** One row: what produced the mirror now in this file. */
export const CREATE_SYNC_STATE = `
CREATE TABLE IF NOT EXISTS sync_state (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  synced_at     TEXT NOT NULL,    -- ISO 8601 UTC: when this set was fetched and built
  source        TEXT NOT NULL,    -- the base URL (no credentials, no query) or 'file:<path>'
  etag          TEXT,             -- the listing's ETag, sent as If-None-Match next time
  fingerprint   TEXT,             -- sha256 of the validated set; NULL once a miss lookup added a row
  links         INTEGER NOT NULL,
  active        INTEGER NOT NULL,
  inactive      INTEGER NOT NULL,
  rejected_json TEXT NOT NULL DEFAULT '{}',  -- {"reason": count} of rows skipped by validation
  duration_ms   INTEGER NOT NULL DEFAULT 0
)`;

export const LINK_COLUMNS = [
  'tracking_id', 'job_id', 'application_id', 'link_function', 'link_type',
  'original_url', 'is_active', 'description', 'created_by',
] as const;

export const UPSERT_LINK = `
INSERT INTO link_tracking (${LINK_COLUMNS.join(', ')})
VALUES (${LINK_COLUMNS.map((c) => '@' + c).join(', ')})
ON CONFLICT (tracking_id) DO UPDATE SET ${LINK_COLUMNS.filter((c) => c !== 'tracking_id').map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** Positional insert for the bulk build: no per-row parameter object to allocate for a million rows. */
export const INSERT_LINK_POSITIONAL = `
INSERT INTO link_tracking (${LINK_COLUMNS.join(', ')})
VALUES (${LINK_COLUMNS.map(() => '?').join(', ')})`;
