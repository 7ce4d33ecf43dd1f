/**
 * Upgrading a mirror.db written by the previous release (layout v1: every guide column,
 * free text included): the first read rewrites it in the current layout, serving the same
 * links, and the free text is gone from the file's bytes, not only from its rows.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMirror } from '../../../src/mirror/build/build-thread.js';
import { SCHEMA_VERSION } from '../../../src/mirror/store/schema.js';
import { fileIdentity, mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { peekSyncState } from '../../../src/mirror/store/mirror-reader.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

/** mirror.db as release 1 wrote it (schema.ts at user_version 1). */
function writeV1(dataDir: string, n: number): void {
  const db = new Database(mirrorPath(dataDir));
  db.exec(`
    CREATE TABLE link_tracking (
      tracking_id TEXT PRIMARY KEY, job_id TEXT, application_id TEXT, link_function TEXT, link_type TEXT,
      original_url TEXT NOT NULL, redirect_url TEXT, created_at TEXT, created_by TEXT,
      is_active INTEGER NOT NULL CHECK (is_active IN (0, 1)), description TEXT
    ) WITHOUT ROWID;
    CREATE TABLE sync_state (
      id INTEGER PRIMARY KEY CHECK (id = 1), synced_at TEXT NOT NULL, source TEXT NOT NULL, etag TEXT, fingerprint TEXT,
      links INTEGER NOT NULL, active INTEGER NOT NULL, inactive INTEGER NOT NULL, rejected_json TEXT NOT NULL DEFAULT '{}', duration_ms INTEGER NOT NULL DEFAULT 0
    );
    PRAGMA user_version = 1;`);
  const ins = db.prepare('INSERT INTO link_tracking VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      ins.run(`lt_${i}`, 'job-1', null, 'LinkedIn', 'profile', `https://example.com/${i}`, `https://go.example.com/track/lt_${i}`, '2026-01-01T00:00:00Z', `recruiter.smith.${i}`, i % 2, `Private note ${i} about candidate Jane`);
    }
  })();
  db.prepare("INSERT INTO sync_state VALUES (1, '2026-11-01T00:00:00.000Z', 'https://jobs.example.com/', '\"v1-etag\"', 'abc', ?, ?, ?, '{}', 5)").run(n, n / 2, n / 2);
  db.close();
}

describe('a mirror.db of the previous layout', () => {
  it('is rewritten at the first read: same links served, free text and unused columns gone from the file', async () => {
    const dir = tempDir();
    writeV1(dir, 200);
    const before = fileIdentity(mirrorPath(dir));
    const loaded = await loadMirror(dir);
    expect(loaded.index.size).toBe(200);
    expect(loaded.index.lookup('lt_1')).toEqual({ url: 'https://example.com/1', active: true });
    expect(loaded.index.lookupUrl('lt_2')).toBeNull();
    expect(fileIdentity(mirrorPath(dir))).not.toBe(before); // swapped whole, like a sync

    const db = new Database(mirrorPath(dir), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT * FROM link_tracking WHERE tracking_id = ?').get('lt_1')).toEqual({
      tracking_id: 'lt_1', job_id: 'job-1', application_id: null, link_function: 'LinkedIn', link_type: 'profile',
      original_url: 'https://example.com/1', is_active: 1, description: null, created_by: null,
    });
    db.close();
    const bytes = readFileSync(mirrorPath(dir));
    expect(bytes.includes('about candidate Jane')).toBe(false);
    expect(bytes.includes('recruiter.smith')).toBe(false);
    // where it came from is kept; the old ETag is not (the next sync fetches in full)
    expect(peekSyncState(mirrorPath(dir))).toMatchObject({ source: 'https://jobs.example.com/', syncedAt: '2026-11-01T00:00:00.000Z', etag: null, links: 200 });
  });

  it('keeps the free text through the migration when sync.store_descriptions = true', async () => {
    const dir = tempDir();
    writeV1(dir, 3);
    await loadMirror(dir, undefined, true);
    const db = new Database(mirrorPath(dir), { readonly: true });
    expect(db.prepare('SELECT description, created_by FROM link_tracking WHERE tracking_id = ?').get('lt_0')).toEqual({ description: 'Private note 0 about candidate Jane', created_by: 'recruiter.smith.0' });
    db.close();
  });
});
