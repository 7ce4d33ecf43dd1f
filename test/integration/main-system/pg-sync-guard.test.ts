/**
 * The change guard on a real PostgreSQL link_tracking (issue #26): rows that stay invalid in
 * every listing (a NULL is_active, which the guide's DDL allows; a javascript: URL) are more
 * than sync.max_change_ratio of this small table, yet they are no change, so a link
 * deactivated in the table is deactivated in the mirror at the next sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirror, runSync } from '../mirror/helpers.js';
import { initdb, skipUnless } from '../../support/requires.js';
import { startCluster, type PgCluster } from '../../support/postgres.js';
import { insertLinks, pgConfig } from './helpers.js';

describe.skipIf(skipUnless(initdb()))('the change guard with PostgreSQL as the link source', () => {
  let cluster: PgCluster;
  let dir = '';

  beforeAll(async () => {
    cluster = await startCluster();
    dir = mkdtempSync(join(tmpdir(), 'pg-guard-'));
    await insertLinks(cluster, [
      ...Array.from({ length: 101 }, (_, i) => ({ id: `lt_ok_${i}`, url: `https://example.com/jobs/${i}` })),
      ...Array.from({ length: 6 }, (_, i) => ({ id: `lt_null_${i}`, url: 'https://example.com/n', active: null })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: `lt_js_${i}`, url: 'javascript:alert(1)' })),
    ]);
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a listing whose 11 of 112 rows stay invalid, and deactivates the link', async () => {
    const { config } = pgConfig(cluster, dir);
    expect((await runSync({ config })).rejected).toEqual({ missing_is_active: 6, bad_url_scheme: 5 });
    await cluster.admin("UPDATE link_tracking SET is_active = false WHERE tracking_id = 'lt_ok_50'");
    const r = await runSync({ config });
    expect(r).toMatchObject({ changed: true, deactivated: 1 });
    const m = await openMirror({ config });
    try {
      expect(m.holder.lookupUrl('lt_ok_50')).toBeNull();
      expect(m.holder.lookupUrl('lt_ok_51')).toBe('https://example.com/jobs/51');
    } finally {
      await m.stop();
    }
  }, 60_000);
});
