/**
 * Reading mirror.db, and the one in-place write it ever gets (a link learnt by a miss
 * lookup). Whole-set writes go through ../build/mirror-builder.ts, which swaps a new file in.
 *
 * Files are told apart by identity (device + inode), not mtime: a swap always brings a
 * new inode, an in-place upsert never does. The serving process keeps the file it
 * loaded open (MirrorWriter.pin), so that inode cannot be freed and reused by a later
 * swap: "same identity" really means "same file".
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MirrorError } from '../errors.js';
import { packLinkTable, type LinkRow, type LinkTableData } from '../table/link-table.js';
import type { MirrorLink } from '../validate.js';
import { MIRROR_DB, READABLE_VERSIONS, SCHEMA_VERSION, UPSERT_LINK } from './schema.js';

export interface SyncState {
  syncedAt: string;
  source: string;
  etag: string | null;
  fingerprint: string | null;
  links: number;
  active: number;
  inactive: number;
  rejected: Record<string, number>;
  durationMs: number;
}

export function mirrorPath(dataDir: string): string {
  return join(dataDir, MIRROR_DB);
}

/** `dev:ino` of the file at `path`, or null when there is none. */
export function fileIdentity(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

export function readSyncState(db: Database.Database): SyncState | null {
  const row = db.prepare('SELECT * FROM sync_state WHERE id = 1').get() as Record<string, unknown> | undefined;
  if (!row) return null;
  let rejected: Record<string, number> = {};
  try {
    rejected = JSON.parse(String(row['rejected_json'] ?? '{}')) as Record<string, number>;
  } catch {
    // a hand-edited row: the counts are informational
  }
  return {
    syncedAt: String(row['synced_at']),
    source: String(row['source']),
    etag: (row['etag'] as string | null) ?? null,
    fingerprint: (row['fingerprint'] as string | null) ?? null,
    links: Number(row['links']),
    active: Number(row['active']),
    inactive: Number(row['inactive']),
    rejected,
    durationMs: Number(row['duration_ms'] ?? 0),
  };
}

/** Open read-only; null when there is no file. Throws CR_ERR_MIRROR_CORRUPT when it is not a mirror we can read. */
function openReadOnly(path: string): Database.Database | null {
  if (!existsSync(path)) return null;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw corrupt(path, err);
  }
}

function corrupt(path: string, err: unknown): MirrorError {
  return new MirrorError('CR_ERR_MIRROR_CORRUPT', `${path} is not a readable mirror (${(err as { code?: string }).code ?? (err as Error).message})`, { cause: err });
}

/** sync_state of the mirror at `path`, or null when there is none (or it is unreadable / another schema version). */
export function peekSyncState(path: string): SyncState | null {
  let db: Database.Database | null = null;
  try {
    db = openReadOnly(path);
    if (!db || db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) return null;
    return readSyncState(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** What a read of mirror.db gives: its links packed for the index, and its sync state. */
export interface MirrorTable {
  table: LinkTableData;
  state: SyncState | null;
  /** Identity of the file that was read (taken before opening: a race costs a spare reload, never a missed one). */
  identity: string | null;
}

/**
 * Reads every row of mirror.db into a packed link table (../index/link-table.ts). A missing file
 * or a layout this code does not know reads as empty; the previous layout (v1) reads as
 * it is, so a failed migration still serves. One read transaction spans the whole read, so the
 * state row and the rows come from the same version of the file.
 *
 * Synchronous, ~2 s of CPU for a million links: a serving process runs it in a worker
 * thread (loadMirror), never on the thread that answers redirects.
 */
export function readMirrorTable(dataDir: string): MirrorTable {
  const path = mirrorPath(dataDir);
  const identity = fileIdentity(path);
  const empty = (): MirrorTable => ({ table: packLinkTable(() => []), state: null, identity });
  const db = openReadOnly(path);
  if (!db) return empty();
  try {
    // Each pass reads the pages in key order, once: a cache (16 MiB by default in this SQLite
    // build) would only add to the process's peak memory during a swap, and the second pass
    // finds the pages in the OS's page cache anyway.
    db.pragma('cache_size = -1024');
    if (!READABLE_VERSIONS.includes(db.pragma('user_version', { simple: true }) as number)) return empty();
    db.exec('BEGIN');
    const state = readSyncState(db);
    // Two passes over the rows (packLinkTable sizes its arena first), in the one read
    // transaction. An inactive link's URL is never served and takes no room.
    const rows = db.prepare('SELECT tracking_id, CASE is_active WHEN 1 THEN original_url END FROM link_tracking ORDER BY tracking_id').raw(true);
    const table = packLinkTable(() => rows.iterate() as IterableIterator<LinkRow>);
    db.exec('COMMIT');
    return { table, state, identity };
  } catch (err) {
    throw corrupt(path, err);
  } finally {
    db.close();
  }
}

/** Move an unreadable mirror.db aside so the next sync can build a fresh one; returns the new name. */
export function quarantineMirror(dataDir: string): string | null {
  const path = mirrorPath(dataDir);
  if (!existsSync(path)) return null;
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, aside);
  return aside;
}

/**
 * The serving process's in-place writer for links learnt by miss lookups.
 *
 * Hazard: a sync in another process may rename a new mirror.db over the one this
 * connection has open. Writing to the old inode is harmless (it is about to vanish),
 * but SQLite names its rollback journal after the *path*, and a journal left beside a
 * file it does not belong to would be "rolled back" into it — corruption. So every
 * write holds a RESERVED lock and, under it, checks that the path still is our inode;
 * the swapper takes an EXCLUSIVE lock on the old file before renaming, so the two
 * cannot interleave.
 */
export class MirrorWriter {
  readonly #path: string;
  #db: Database.Database | null = null;
  #identity: string | null = null;
  #upsert: Database.Statement | null = null;
  #forget: Database.Statement | null = null;

  readonly #storeDescriptions: boolean;

  constructor(dataDir: string, opts: { storeDescriptions?: boolean } = {}) {
    this.#path = mirrorPath(dataDir);
    this.#storeDescriptions = opts.storeDescriptions ?? false;
  }

  /** Persist one link. False when it could not be (no mirror yet, busy, other schema); the caller's overlay still has it. */
  upsert(link: MirrorLink): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      const db = this.#open();
      if (!db || !this.#upsert || !this.#forget) return false;
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch {
        return false; // busy: a swap or another writer holds the file; off the hot path, so give up rather than wait
      }
      if (fileIdentity(this.#path) !== this.#identity) {
        db.exec('ROLLBACK');
        this.close();
        continue; // swapped under us: reopen the new file and try once more
      }
      try {
        this.#upsert.run(toRow(link, this.#storeDescriptions));
        // The set no longer equals the listing it was built from: the next sync must not
        // answer "unchanged" (neither by fingerprint nor by 304).
        this.#forget.run();
        db.exec('COMMIT');
        return true;
      } catch {
        if (db.inTransaction) db.exec('ROLLBACK');
        return false;
      }
    }
    return false;
  }

  #open(): Database.Database | null {
    if (this.#db) return this.#db;
    const identity = fileIdentity(this.#path);
    if (identity === null) return null; // no mirror yet: the first sync will bring everything
    try {
      const db = new Database(this.#path, { fileMustExist: true });
      db.pragma('busy_timeout = 250');
      if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
        db.close();
        return null;
      }
      this.#db = db;
      this.#identity = identity;
      this.#upsert = db.prepare(UPSERT_LINK);
      this.#forget = db.prepare('UPDATE sync_state SET fingerprint = NULL, etag = NULL WHERE id = 1');
      return db;
    } catch {
      return null;
    }
  }

  /**
   * Open the current mirror.db now and keep it open, so its inode stays allocated while
   * we serve from it (see the header). Held through SQLite, not a bare fd: closing a
   * bare fd would drop every POSIX lock this process holds on the file, SQLite's too.
   */
  pin(): boolean {
    return this.#open() !== null;
  }

  /** Drop the connection (e.g. after a reload); the next upsert reopens whatever mirror.db is then. */
  close(): void {
    try {
      this.#db?.close();
    } catch {
      // closing a connection to a replaced file cannot fail in a way that matters
    }
    this.#db = null;
    this.#upsert = null;
    this.#forget = null;
    this.#identity = null;
  }
}

/** The stored columns of a link; the free text only when sync.store_descriptions asks for it. */
export function toRow(l: MirrorLink, storeDescriptions: boolean): Record<string, string | number | null> {
  return {
    tracking_id: l.tracking_id,
    job_id: l.job_id ?? null,
    application_id: l.application_id ?? null,
    link_function: l.link_function ?? null,
    link_type: l.link_type ?? null,
    original_url: l.original_url,
    is_active: l.is_active ? 1 : 0,
    description: storeDescriptions ? (l.description ?? null) : null,
    created_by: storeDescriptions ? (l.created_by ?? null) : null,
  };
}
