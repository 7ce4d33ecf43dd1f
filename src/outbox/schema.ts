/**
 * `<data_dir>/outbox.db`: every click recorded, until it is shipped and past retention.
 *
 * For a compliance reviewer with only the sqlite3 shell:
 *   sqlite3 data/outbox.db 'SELECT * FROM clicks_readable LIMIT 20'
 *   sqlite3 data/outbox.db 'SELECT delivery, count(*) FROM clicks_readable GROUP BY 1'
 *   sqlite3 data/outbox.db 'SELECT * FROM chain_checkpoints'
 * "What do you keep about a click?" is exactly the columns click_id … anonymous below (the
 * main system's `link_clicks` columns plus `anonymous`), already reduced by the privacy stage
 * before they reach this file as privacy.* says: ip_address truncated to the configured
 * prefix, user_agent reduced, referrer_url cut to its origin, a UTM value that looks like an
 * e-mail address or phone number replaced by a marker; ip_address, user_agent, referrer_url,
 * session_id and the country all NULL/absent for an anonymous (DNT/GPC) click.
 * "Has it been shipped?" is `state` and `shipped_at`.
 */
import type Database from 'better-sqlite3';
import type { Durability } from '../types.js';

export const OUTBOX_DB = 'outbox.db';
/**
 * 1: the first. 2: chain_checkpoints.reason may be 'erase', and a checkpoint has a note.
 * A version 1 file is migrated at open (migrateFrom1); readers accept both.
 */
export const SCHEMA_VERSION = 2;

/** The checkpoints table of this schema version (also what the version 1 → 2 migration builds). */
const checkpointsTable = (name: string): string => `CREATE TABLE IF NOT EXISTS ${name} (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  count     INTEGER NOT NULL,                   -- always last_seq - first_seq + 1
  last_hash TEXT NOT NULL,                      -- chain_hash of the click at last_seq
  purged_at TEXT NOT NULL,                      -- ISO 8601 UTC
  reason    TEXT NOT NULL CHECK (reason IN ('retention', 'dead', 'erase')),
  note      TEXT                                -- erase: why, as the reviewer gave it (NULL otherwise)
);`;
const CHECKPOINTS_TABLE = checkpointsTable('chain_checkpoints');

const DDL = `
CREATE TABLE IF NOT EXISTS clicks (
  -- position in the audit chain: monotonic, never reused (AUTOINCREMENT keeps the high-water
  -- mark in sqlite_sequence even when the newest rows are purged)
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  -- what is kept about a click (the guide's link_clicks columns)
  click_id     TEXT NOT NULL UNIQUE,            -- UUIDv7, the main system de-duplicates on it
  tracking_id  TEXT NOT NULL,                   -- which link was clicked
  clicked_at   TEXT NOT NULL,                   -- ISO 8601 UTC, millisecond precision
  ip_address   TEXT,                            -- truncated network prefix (e.g. 203.0.113.0), never a full address; NULL if anonymous
  user_agent   TEXT,                            -- reduced (browser family/major + OS family) unless configured otherwise; NULL if anonymous
  referrer_url TEXT,                            -- origin only unless configured otherwise; NULL if anonymous
  session_id   TEXT,                            -- keyed hash of (prefix, reduced UA, UTC day), key rotated daily; NULL if anonymous
  click_source TEXT NOT NULL,                   -- email | dashboard | linkedin | indeed | direct | external
  metadata     TEXT NOT NULL DEFAULT '{}',      -- JSON: utm_* values (personal data replaced by a marker), bot, scanner, country; nothing else
  anonymous    INTEGER NOT NULL CHECK (anonymous IN (0, 1)), -- 1 = DNT/GPC click, personal fields NULL
  -- audit chain: hex SHA-256 over the previous row's chain_hash and the columns above
  chain_hash   TEXT NOT NULL,
  -- delivery to the main system
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'shipped', 'dead')),
  shipped_at   TEXT,                            -- ISO 8601 UTC when the main system acknowledged it
  attempts     INTEGER NOT NULL DEFAULT 0,      -- failed delivery attempts so far
  last_error   TEXT,                            -- why the last attempt failed
  dead_reason  TEXT                             -- why it will not be retried (state = 'dead')
);
-- the shipper reads pending clicks oldest first
CREATE INDEX IF NOT EXISTS clicks_pending ON clicks (seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS clicks_dead ON clicks (seq) WHERE state = 'dead';
-- retention finds shipped clicks by age; inserts (always pending) never touch this index
CREATE INDEX IF NOT EXISTS clicks_shipped_age ON clicks (clicked_at) WHERE state = 'shipped';
-- No index on tracking_id: every click would update a random page of it, which measured as
-- the largest single cost of the durable redirect (0.34x -> 0.23x of bare uWS). Local
-- analytics (an occasional admin check) scans instead: ~1 s per million stored clicks.
DROP INDEX IF EXISTS clicks_tracking;

-- Each purge of a run of consecutive positions leaves one row here, so the chain still
-- verifies across the gap: the next surviving click was chained on last_hash. reason says
-- which purge: retention (privacy.retention_days, for shipped clicks, dead letters and, in
-- standalone mode, pending ones), dead (an operator discarding dead letters) or erase (a
-- reviewer erasing named clicks, clickrelay erase, with their note).
${CHECKPOINTS_TABLE}
CREATE UNIQUE INDEX IF NOT EXISTS chain_checkpoints_first ON chain_checkpoints (first_seq);

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE VIEW IF NOT EXISTS clicks_readable AS
SELECT seq, click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id,
       click_source, metadata,
       CASE anonymous WHEN 1 THEN 'yes (DNT/GPC)' ELSE 'no' END AS anonymous,
       CASE state WHEN 'pending' THEN 'not shipped yet'
                  WHEN 'shipped' THEN 'shipped ' || shipped_at
                  ELSE 'dead letter: ' || coalesce(dead_reason, '?') END AS delivery,
       attempts, last_error
FROM clicks;
`;

/** Creates or checks the schema; the writer calls it once at start-up. */
export function applySchema(db: Database.Database, file = OUTBOX_DB): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(DDL);
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    if (!row) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    } else if (Number(row.value) === 1) {
      migrateFrom1(db);
    } else if (Number(row.value) !== SCHEMA_VERSION) {
      throw new Error(`${file} has schema version ${row.value}; this build understands ${SCHEMA_VERSION}`);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Version 1 → 2: SQLite cannot change a CHECK constraint in place, so the checkpoints table is
 * rebuilt (it holds one row per purged run: small) inside the caller's transaction.
 */
function migrateFrom1(db: Database.Database): void {
  db.exec(`${checkpointsTable('chain_checkpoints_v2')}
INSERT INTO chain_checkpoints_v2 (id, first_seq, last_seq, count, last_hash, purged_at, reason)
  SELECT id, first_seq, last_seq, count, last_hash, purged_at, reason FROM chain_checkpoints;
DROP TABLE chain_checkpoints;
ALTER TABLE chain_checkpoints_v2 RENAME TO chain_checkpoints;
CREATE UNIQUE INDEX IF NOT EXISTS chain_checkpoints_first ON chain_checkpoints (first_seq);`);
  db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
}

/** Connection settings of the single writer. FULL = fsync the WAL at every commit. */
export function applyWriterPragmas(db: Database.Database, durability: Durability): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'durable' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  // Clicks are appended (rowid and UUIDv7 keys both grow at the right edge) and read back
  // oldest first, once: the hot pages are few. SQLite's default 16 MiB cache only filled
  // up with pages never touched again, and counted in the serving process's RSS.
  db.pragma('cache_size = -4096');
}
