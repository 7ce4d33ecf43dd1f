/**
 * Reading mirror.db: all of it into a packed link table (readMirrorTable), or only its sync
 * state (peekSyncState); a damaged file is moved aside (quarantineMirror), one this user may not open is not. Whole-set
 * writes go through ../build/mirror-builder.ts, which swaps a new file in; the one in-place
 * write is mirror-writer.ts's.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { permissionCauseOf, permissionMessage } from '../../fs/permission.js';
import { MirrorError } from '../errors.js';
import { packLinkTable, type LinkRow, type LinkTableData } from '../table/link-table.js';
import { fileIdentity, mirrorPath } from './mirror-path.js';
import { READABLE_VERSIONS, SCHEMA_VERSION } from './schema.js';
import { readSyncState, type SyncState } from './sync-state.js';

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

/**
 * CR_ERR_MIRROR_CORRUPT for a file that is not a mirror; CR_ERR_MIRROR_PERMISSION for a healthy
 * one this user may not open (left by a command run as root): that one must never be moved aside.
 */
function corrupt(path: string, err: unknown): MirrorError {
  const denied = permissionCauseOf(path, err, true);
  if (denied !== null) return new MirrorError('CR_ERR_MIRROR_PERMISSION', permissionMessage(denied, err), { cause: err });
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
 * Reads every row of mirror.db into a packed link table (../table/link-table.ts). A missing file
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
