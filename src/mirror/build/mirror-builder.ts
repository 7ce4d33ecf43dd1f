/**
 * Builds a complete new mirror beside the live one and swaps it in atomically.
 *
 * The new set goes into `mirror.db.tmp-<pid>` (no journal, no per-statement sync: the
 * file is worthless until it is finished), is fsynced, and then rename()d over
 * mirror.db — atomic on POSIX, so a reader sees the old file or the new one, never a
 * mix. Anything failing before the rename deletes the temp file and leaves the old
 * mirror exactly as it was. The directory is fsynced after the rename so the swap
 * itself survives a power cut.
 */
import Database from 'better-sqlite3';
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describeCause } from '../../errors.js';
import { fsyncPath } from '../../fs/atomic-write.js';
import { preparePrivateDatabase } from '../../fs/data-dir.js';
import { pidAlive } from '../../lib/pid.js';
import { MirrorError } from '../errors.js';
import { BAD_JSON_ROW } from '../listing/bad-json-row.js';
import { fileIdentity, mirrorPath } from '../store/mirror-path.js';
import type { SyncState } from '../store/sync-state.js';
import { CREATE_LINK_TRACKING, CREATE_SYNC_STATE, INSERT_LINK_POSITIONAL, MIRROR_DB, SCHEMA_VERSION } from '../store/schema.js';
import { TRACKING_ID_PATTERN, validateLink, type MirrorLink, type RejectReason } from '../validate.js';

export interface BuildDiff {
  added: number;
  removed: number;
  changedUrl: number;
  deactivated: number;
  reactivated: number;
}

export interface BuilderOptions {
  dataDir: string;
  /** sync.store_descriptions: keep description and created_by (NULL otherwise). */
  storeDescriptions?: boolean;
}

/** The mirror a build replaces: every row, and the active ones (zeros when there is none). */
export interface Before {
  links: number;
  active: number;
}

/** Ids (or `row N` when the row has no usable id) kept per reject reason, for the operator. */
export const SAMPLES_PER_REASON = 5;

/** The temp file and SQLite's companions of it (a killed sync leaves `mirror.db.tmp-PID-journal`). */
const TMP_RE = /^mirror\.db\.tmp-(\d+)(?:-journal|-wal|-shm)?$/;
/** A temp file this old is abandoned whatever its pid says (pids get reused). */
const STALE_TMP_MS = 6 * 3600_000;

export class MirrorBuilder {
  readonly tmpPath: string;
  readonly #dataDir: string;
  #db: Database.Database | null;
  readonly #insert: Database.Statement;
  readonly #hash: Hash = createHash('sha256');
  #fingerprint: string | null = null;
  readonly rejected: Partial<Record<RejectReason, number>> = {};
  /** The first few ids per reject reason: counts alone do not tell an operator where to look. */
  readonly rejectedSamples: Partial<Record<RejectReason, string[]>> = {};
  readonly #storeDescriptions: boolean;
  #row = 0;
  active = 0;
  inactive = 0;
  #sealed = false;

  constructor(opts: BuilderOptions) {
    this.#dataDir = opts.dataDir;
    this.#storeDescriptions = opts.storeDescriptions ?? false;
    this.tmpPath = join(opts.dataDir, `${MIRROR_DB}.tmp-${process.pid}`);
    removeStaleTemps(opts.dataDir);
    rmQuiet(this.tmpPath);
    try {
      // 0600 whatever the umask, and renamed as it is: mirror.db is private too.
      preparePrivateDatabase(this.tmpPath);
      const db = new Database(this.tmpPath);
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF'); // fsynced once, explicitly, before the rename
      db.pragma('locking_mode = EXCLUSIVE');
      // 4 MiB: a cursor-paged listing comes in key order, so inserts touch the b-tree's
      // right edge; rows out of order only cost page writes to the OS cache (no journal,
      // no sync). The cache counts in the serving process's peak RSS during a re-sync.
      db.pragma('cache_size = -4096');
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.exec(CREATE_LINK_TRACKING);
      db.exec(CREATE_SYNC_STATE);
      db.exec('BEGIN');
      this.#db = db;
      this.#insert = db.prepare(INSERT_LINK_POSITIONAL.replace('INSERT', 'INSERT OR IGNORE'));
    } catch (err) {
      this.abort();
      throw storeError(`cannot create ${this.tmpPath}`, err);
    }
    this.#hash.update(`clickrelay-mirror-v${SCHEMA_VERSION}${this.#storeDescriptions ? '+descriptions' : ''}\n`);
  }

  /** Validate one raw row and, if good, add it. Never throws for bad data: it is counted. */
  add(raw: unknown): void {
    const row = ++this.#row;
    if (raw === BAD_JSON_ROW) return this.#reject('bad_json', raw, row);
    const v = validateLink(raw);
    if (!v.ok) return this.#reject(v.reason, raw, row);
    const l = v.link;
    const keep = this.#storeDescriptions;
    const description = keep ? (l.description ?? null) : null;
    const createdBy = keep ? (l.created_by ?? null) : null;
    const ins = this.#insert.run(
      l.tracking_id, l.job_id ?? null, l.application_id ?? null, l.link_function ?? null, l.link_type ?? null,
      l.original_url, l.is_active ? 1 : 0, description, createdBy,
    );
    // First one wins: a listing that names an id twice is the main system's bug, and
    // keeping the first makes the result independent of how often it repeats.
    if (ins.changes === 0) return this.#reject('duplicate_tracking_id', raw, row);
    if (l.is_active) this.active++;
    else this.inactive++;
    this.#hash.update(fingerprintLine(l, description, createdBy));
  }

  #reject(reason: RejectReason, raw: unknown, row: number): void {
    const n = (this.rejected[reason] = (this.rejected[reason] ?? 0) + 1);
    if (n > SAMPLES_PER_REASON) return;
    // Only an id that matches the id pattern is named (it is then plain ASCII, safe in a log
    // line or on a terminal); anything else is named by its position in the listing.
    const id = (raw as { tracking_id?: unknown } | null)?.tracking_id;
    const name = typeof id === 'string' && TRACKING_ID_PATTERN.test(id) ? id : `row ${row}`;
    (this.rejectedSamples[reason] ??= []).push(name);
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const v of Object.values(this.rejected)) n += v ?? 0;
    return n;
  }

  get links(): number {
    return this.active + this.inactive;
  }

  /** sha256 of the validated set, in listing order. Equal fingerprints ⇒ identical mirror.db contents. */
  fingerprint(): string {
    this.#fingerprint ??= this.#hash.digest('hex');
    return this.#fingerprint;
  }

  /** Write the state row and commit the data. After this, `diff` and `swap`. */
  seal(state: Omit<SyncState, 'fingerprint' | 'links' | 'active' | 'inactive' | 'rejected'>): void {
    const db = this.#mustDb();
    db.prepare(
      `INSERT INTO sync_state (id, synced_at, source, etag, fingerprint, links, active, inactive, rejected_json, duration_ms)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(state.syncedAt, state.source, state.etag, this.fingerprint(), this.links, this.active, this.inactive, JSON.stringify(this.rejected), Math.round(state.durationMs));
    db.exec('COMMIT');
    this.#sealed = true;
  }

  /**
   * What changes against the live mirror.db, computed by SQL so `clickrelay sync` need not
   * load the old set; with the old set's size, which the change guard measures against.
   */
  diff(): { diff: BuildDiff; before: Before } {
    const db = this.#mustDb();
    const old = mirrorPath(this.#dataDir);
    const none = { diff: { added: this.links, removed: 0, changedUrl: 0, deactivated: 0, reactivated: 0 }, before: { links: 0, active: 0 } };
    if (!existsSync(old)) return none;
    try {
      db.prepare('ATTACH DATABASE ? AS old').run(old);
    } catch {
      return none;
    }
    try {
      const before = db.prepare('SELECT count(*) AS links, coalesce(sum(is_active = 1), 0) AS active FROM old.link_tracking').get() as Before;
      const oldCount = before.links;
      const m = db
        .prepare(
          `SELECT count(*) AS matched,
                  coalesce(sum(n.original_url <> o.original_url), 0) AS changed_url,
                  coalesce(sum(o.is_active = 1 AND n.is_active = 0), 0) AS deactivated,
                  coalesce(sum(o.is_active = 0 AND n.is_active = 1), 0) AS reactivated
             FROM main.link_tracking n JOIN old.link_tracking o ON o.tracking_id = n.tracking_id`,
        )
        .get() as { matched: number; changed_url: number; deactivated: number; reactivated: number };
      return { diff: { added: this.links - m.matched, removed: oldCount - m.matched, changedUrl: m.changed_url, deactivated: m.deactivated, reactivated: m.reactivated }, before };
    } catch {
      return none; // an old file of another shape: everything counts as added
    } finally {
      try {
        db.exec('DETACH DATABASE old');
      } catch {
        // closing the connection detaches it anyway
      }
    }
  }

  /**
   * Make the built file the live mirror; returns the identity of the file now at mirror.db.
   * (A serving process then has it read back into a packed link table, in the mirror thread.)
   */
  swap(): { identity: string | null } {
    if (!this.#sealed) throw new Error('MirrorBuilder.swap before seal');
    const db = this.#mustDb();
    const live = mirrorPath(this.#dataDir);
    try {
      db.close();
      this.#db = null;
      fsyncPath(this.tmpPath);
    } catch (err) {
      this.abort();
      throw storeError(`cannot flush ${this.tmpPath}`, err);
    }
    // Under an EXCLUSIVE lock on the old file: no writer in any process is then between
    // "check the path is still my file" and "commit" (see MirrorWriter), and a hot journal
    // a crashed writer left behind is rolled back into the old file, not the new one.
    const lock = lockForReplace(live);
    let identity: string | null;
    try {
      renameSync(this.tmpPath, live);
      identity = fileIdentity(live);
    } catch (err) {
      releaseLock(lock);
      this.abort();
      throw storeError(`cannot rename ${this.tmpPath} over ${live}`, err);
    }
    releaseLock(lock);
    try {
      fsyncPath(this.#dataDir);
    } catch {
      // the rename happened; only its durability across a power cut is in question
    }
    return { identity };
  }

  /** Throw the build away; the live mirror is untouched. Safe to call more than once. */
  abort(): void {
    try {
      this.#db?.close();
    } catch {
      // an unfinished file is deleted next
    }
    this.#db = null;
    rmQuiet(this.tmpPath);
  }

  #mustDb(): Database.Database {
    if (!this.#db) throw new Error('MirrorBuilder used after close');
    return this.#db;
  }
}

/** One canonical line per link for the fingerprint: every stored column, fixed order. */
function fingerprintLine(l: MirrorLink, description: string | null, createdBy: string | null): string {
  return JSON.stringify([
    l.tracking_id, l.original_url, l.is_active, l.job_id ?? null, l.application_id ?? null, l.link_function ?? null,
    l.link_type ?? null, description, createdBy,
  ]) + '\n';
}

function lockForReplace(path: string): Database.Database | null {
  if (!existsSync(path)) return null;
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch {
    return null; // unopenable: nobody can be writing to it either
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw storeError(`${path} stayed locked by another process for 5 s`, err);
    }
    return null; // not a database (corrupt, truncated): replace it unlocked
  }
}

function releaseLock(db: Database.Database | null): void {
  if (!db) return;
  try {
    db.exec('ROLLBACK');
  } catch {
    // nothing was written under the lock
  }
  db.close();
}

/** Temp files of syncs that died (SIGKILL, power cut) would otherwise pile up. */
function removeStaleTemps(dataDir: string): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TMP_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const p = join(dataDir, name);
    let old = false;
    try {
      old = Date.now() - statSync(p).mtimeMs > STALE_TMP_MS;
    } catch {
      continue;
    }
    if (pid === process.pid || old || !pidAlive(pid)) rmQuiet(p);
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function storeError(what: string, cause: unknown): MirrorError {
  return new MirrorError('CR_ERR_MIRROR_STORE', `${what}: ${describeCause(cause)}`, { cause });
}
