/**
 * The one in-place write mirror.db ever gets: a link learnt by a miss lookup, upserted by
 * the serving process. Whole-set writes go through ../build/mirror-builder.ts, which swaps
 * a new file in.
 */
import Database from 'better-sqlite3';
import type { MirrorLink } from '../validate.js';
import { fileIdentity, mirrorPath } from './mirror-path.js';
import { SCHEMA_VERSION, UPSERT_LINK } from './schema.js';

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
   * we serve from it (see mirror-path.ts). Held through SQLite, not a bare fd: closing a
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
