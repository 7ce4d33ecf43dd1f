/**
 * What `clickrelay status` and /readyz report about the mirror, across processes.
 *
 * An unchanged sync must not touch mirror.db (its identity is how a serving process
 * notices a new mirror), yet "when did a sync last succeed?" must still be answerable.
 * So every sync outcome also goes to a small sidecar, `mirror-sync.json`, written by
 * tmp + rename so a reader never sees half of it.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { MirrorError } from '../errors.js';
import type { SyncResult } from '../sync-result.js';
import { mirrorPath } from './mirror-path.js';
import { readSyncState } from './sync-state.js';
import { READABLE_VERSIONS } from './schema.js';

export const SYNC_RECORD_FILE = 'mirror-sync.json';

export interface SyncRecord {
  last_attempt_at: string | null;
  last_success_at: string | null;
  /** Last sync that swapped in a new mirror. */
  last_change_at: string | null;
  last_result: SyncResult | null;
  /** `details`: a refused listing's counts and first ids per reason (../fetch/change-guard.ts). */
  last_error: { at: string; code: string; message: string; details?: Record<string, unknown> } | null;
}

const EMPTY: SyncRecord = { last_attempt_at: null, last_success_at: null, last_change_at: null, last_result: null, last_error: null };

export function readSyncRecord(dataDir: string): SyncRecord {
  try {
    return { ...EMPTY, ...(JSON.parse(readFileSync(join(dataDir, SYNC_RECORD_FILE), 'utf8')) as Partial<SyncRecord>) };
  } catch {
    return { ...EMPTY };
  }
}

/** Best effort: a full disk must not turn a good sync into a failed one. */
export function recordSyncOutcome(dataDir: string, outcome: { result: SyncResult } | { error: MirrorError }, at = new Date()): void {
  const rec = readSyncRecord(dataDir);
  const iso = at.toISOString();
  rec.last_attempt_at = iso;
  if ('result' in outcome) {
    rec.last_success_at = iso;
    if (outcome.result.changed) rec.last_change_at = iso;
    rec.last_result = outcome.result;
  } else {
    rec.last_error = { at: iso, code: outcome.error.code, message: outcome.error.message, ...(outcome.error.details ? { details: outcome.error.details } : {}) };
  }
  try {
    writeFileAtomic(join(dataDir, SYNC_RECORD_FILE), JSON.stringify(rec, null, 2) + '\n', { durable: false });
  } catch {
    // see above
  }
}

export interface MirrorStatus {
  /** Links in mirror.db (including ones learnt by miss lookups). */
  links: number;
  active: number;
  inactive: number;
  /** ISO time of the last successful sync (changed or not), null if never. */
  last_sync: string | null;
  /** ISO time the mirror.db contents were built. */
  built_at: string | null;
  source: string | null;
  rejected: Record<string, number>;
  /** First ids per reject reason of the last sync that read a listing. */
  rejected_samples: Record<string, string[]>;
  last_error: SyncRecord['last_error'];
  /** True when the last error is newer than the last success: the mirror is being kept, not refreshed. */
  failing: boolean;
}

/** Read-only summary of `<data_dir>` for the status command; never throws for a missing or odd mirror. */
export function readMirrorStatus(dataDir: string): MirrorStatus {
  const rec = readSyncRecord(dataDir);
  const out: MirrorStatus = {
    links: 0, active: 0, inactive: 0,
    last_sync: rec.last_success_at, built_at: null, source: null, rejected: {},
    rejected_samples: (rec.last_result?.rejectedSamples ?? {}) as Record<string, string[]>,
    last_error: rec.last_error,
    failing: rec.last_error !== null && (rec.last_success_at === null || rec.last_error.at >= rec.last_success_at),
  };
  const path = mirrorPath(dataDir);
  if (!existsSync(path)) return out;
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (!READABLE_VERSIONS.includes(db.pragma('user_version', { simple: true }) as number)) return out;
    const st = readSyncState(db);
    const c = db.prepare('SELECT count(*) AS links, coalesce(sum(is_active), 0) AS active FROM link_tracking').get() as { links: number; active: number };
    out.links = c.links;
    out.active = c.active;
    out.inactive = c.links - c.active;
    if (st) {
      out.built_at = st.syncedAt;
      out.source = st.source;
      out.rejected = st.rejected;
      if (out.last_sync === null || st.syncedAt > out.last_sync) out.last_sync = st.syncedAt;
    }
  } catch {
    // unreadable: report zeros; `serve` moves it aside and rebuilds
  } finally {
    db?.close();
  }
  return out;
}
