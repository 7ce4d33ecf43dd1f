/**
 * The sync_state row of mirror.db: when and from where its links were synced, what the
 * listing held and what was rejected. Written by the builder with the links it describes.
 */
import type Database from 'better-sqlite3';

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
