/**
 * Upgrading a mirror.db of the previous layout (v1: every guide column, free text
 * included) to the current one (schema.ts), at the first read after an upgrade.
 *
 * Why not "replaced by the next sync": until that sync, the old file would either load
 * as empty (every redirect a 404 while the main system is down) or keep the free text
 * the privacy notice does not mention. Why not ALTER TABLE in place: dropped text stays
 * in the file's free pages until a VACUUM, and a VACUUM names its journal after the path,
 * which a concurrent `clickrelay sync` may rename a new file onto (mirror-writer.ts).
 * So the rows are rebuilt aside and swapped in, exactly like a sync (../build/mirror-builder.ts): the old
 * inode, free text and all, goes as a whole.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { MirrorBuilder } from '../build/mirror-builder.js';
import { mirrorPath } from './mirror-path.js';
import { readSyncState } from './sync-state.js';

/** Rewrites a v1 mirror.db in the current layout; false when there was nothing to do or it failed (v1 still reads). */
export function migrateOldMirror(dataDir: string, opts: { storeDescriptions: boolean }): boolean {
  const path = mirrorPath(dataDir);
  if (!existsSync(path)) return false;
  let old: Database.Database;
  try {
    old = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return false; // unreadable: the read reports it and the file is moved aside
  }
  let builder: MirrorBuilder | null = null;
  try {
    if (old.pragma('user_version', { simple: true }) !== 1) return false;
    const t0 = Date.now();
    old.exec('BEGIN');
    const state = readSyncState(old);
    builder = new MirrorBuilder({ dataDir, storeDescriptions: opts.storeDescriptions });
    const rows = old.prepare(
      'SELECT tracking_id, job_id, application_id, link_function, link_type, original_url, is_active, description, created_by FROM link_tracking ORDER BY tracking_id',
    );
    for (const r of rows.iterate() as IterableIterator<Record<string, unknown>>) builder.add({ ...r, is_active: r['is_active'] === 1 });
    old.exec('COMMIT');
    old.close();
    // No ETag: it vouched for the listing as v1 stored it; the next sync fetches in full
    // (and finds it unchanged by fingerprint when the main system's set is the same).
    builder.seal({ syncedAt: state?.syncedAt ?? new Date().toISOString(), source: state?.source ?? 'migrated', etag: null, durationMs: Date.now() - t0 });
    builder.swap();
    return true;
  } catch {
    builder?.abort();
    return false;
  } finally {
    if (old.open) old.close();
  }
}
