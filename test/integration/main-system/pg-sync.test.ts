/**
 * The mirror synced straight from the guide's link_tracking table, on a real PostgreSQL,
 * connected as link_tracking_user with only the README's GRANTs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirror, runSync } from '../mirror/helpers.js';
import { initdb, skipUnless } from '../../support/requires.js';
import { DB_PASSWORD, startCluster, type PgCluster } from '../../support/postgres.js';
import { assertBuilt, runCli } from '../../support/child-service.js';
import { insertLinks, pgConfig } from './helpers.js';

describe.skipIf(skipUnless(initdb()))('mirror sync from the main system database', () => {
  let cluster: PgCluster;
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'pg-sync-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    const many = Array.from({ length: 2_345 }, (_, i) => ({ id: `lt_bulk_${String(i).padStart(5, '0')}`, url: `https://example.com/jobs/${i}` }));
    await insertLinks(cluster, [
      ...many,
      { id: 'lt_inactive', url: 'https://example.com/old', active: false },
      { id: 'lt bad id', url: 'https://example.com/x' },
      { id: 'lt_js', url: 'javascript:alert(1)' },
      { id: 'lt_creds', url: 'https://bank.example@evil.example/' },
      { id: 'lt_null_active', url: 'https://example.com/n', active: null },
      { id: 'lt_private', url: 'https://example.com/p', description: 'SECRET-NOTE-about-candidate' },
    ]);
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a full sync reads every row in keyset pages, serves the valid ones and counts the bad ones', async () => {
    const dataDir = temp();
    const { config } = pgConfig(cluster, dataDir, { CLICKRELAY_SYNC_PAGE_SIZE: '500' });
    const r = await runSync({ config });
    expect(r.changed).toBe(true);
    expect(r.active).toBe(2_345 + 1); // the bulk rows and lt_private
    expect(r.inactive).toBe(1);
    expect(r.rejected).toEqual({ bad_tracking_id: 1, bad_url_scheme: 1, url_has_credentials: 1, missing_is_active: 1 });
    expect(r.source).toBe(cluster.url);

    const m = await openMirror({ config });
    try {
      expect(m.holder.lookupUrl('lt_bulk_01234')).toBe('https://example.com/jobs/1234');
      expect(m.holder.lookupUrl('lt_inactive')).toBeNull();
      expect(m.holder.lookupUrl('lt_js')).toBeUndefined();
    } finally {
      await m.stop();
    }
    // Free text stays in the main system: mirror.db holds no description or created_by.
    const file = readFileSync(join(dataDir, 'mirror.db'));
    expect(file.includes('SECRET-NOTE-about-candidate')).toBe(false);
    expect(file.includes('recruiter@example.com')).toBe(false);
  });

  it('a link deleted from link_tracking is gone after the next completed sync; an unchanged table rewrites nothing', async () => {
    const dataDir = temp();
    const { config } = pgConfig(cluster, dataDir);
    await insertLinks(cluster, [{ id: 'lt_doomed', url: 'https://example.com/doomed' }]);
    expect((await runSync({ config })).changed).toBe(true);
    const again = await runSync({ config });
    expect(again.changed).toBe(false);
    expect(again.unchangedBy).toBe('fingerprint');
    await cluster.admin("DELETE FROM link_tracking WHERE tracking_id = 'lt_doomed'");
    const r = await runSync({ config });
    expect(r.removed).toBe(1);
    const m = await openMirror({ config });
    try {
      expect(m.holder.lookupUrl('lt_doomed')).toBeUndefined();
    } finally {
      await m.stop();
    }
  });

  it('a miss is looked up with one query, joins the mirror, and an unknown id is remembered', async () => {
    const dataDir = temp();
    const { config } = pgConfig(cluster, dataDir);
    await runSync({ config });
    await insertLinks(cluster, [{ id: 'lt_fresh', url: 'https://example.com/fresh' }]);
    const m = await openMirror({ config });
    try {
      expect(m.holder.lookupUrl('lt_fresh')).toBeUndefined();
      expect((await m.missLookup.lookupMiss('lt_fresh'))?.original_url).toBe('https://example.com/fresh');
      expect(m.holder.lookupUrl('lt_fresh')).toBe('https://example.com/fresh');
      expect(await m.missLookup.lookupMiss('lt_nowhere')).toBeNull();
      expect(await m.missLookup.lookupMiss('lt_nowhere')).toBeNull();
      expect(m.missLookup.counters.not_found).toBe(1);
      expect(m.missLookup.counters.cached_unknown).toBe(1);
      expect(await m.missLookup.lookupMiss('lt_js')).toBeNull();
      expect(m.missLookup.counters.invalid).toBe(1);
    } finally {
      await m.stop();
    }
  });

  it('with the database down, a sync fails naming the cause, the old mirror stays, and `clickrelay sync` exits non-zero', async () => {
    assertBuilt();
    const dataDir = temp();
    const { config, env } = pgConfig(cluster, dataDir);
    await runSync({ config });
    const before = readFileSync(join(dataDir, 'mirror.db'));
    cluster.crash();
    try {
      await expect(runSync({ config })).rejects.toMatchObject({ code: 'CR_ERR_MIRROR_NETWORK' });
      const cli = runCli(['sync'], env);
      expect(await cli.exited).not.toBe(0);
      expect(cli.output()).toMatch(/old mirror stays.*CR_ERR_MIRROR_NETWORK/);
      expect(readFileSync(join(dataDir, 'mirror.db')).equals(before)).toBe(true);
    } finally {
      cluster.start();
    }
    expect((await runSync({ config })).source).toBe(cluster.url);
  });

  it('`clickrelay status` names the adapter, the database without its password, its reachability and the two rights', async () => {
    assertBuilt();
    const dataDir = temp();
    const { config, env } = pgConfig(cluster, dataDir);
    await runSync({ config });
    const cli = runCli(['status', '--json'], { ...env, CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: cluster.url.replace('link_tracking_user@', `link_tracking_user:${DB_PASSWORD}@`) });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain(DB_PASSWORD);
    const s = JSON.parse(cli.output()) as { main_system: Record<string, unknown>; mirror: { source: string; last_sync: string | null } };
    expect(s.main_system).toEqual({ adapter: 'postgres', where: cluster.url, reachable: true, can_select_links: true, can_insert_clicks: true, can_read_click_id: true, error: null });
    expect(s.mirror.source).toBe(cluster.url);
    expect(s.mirror.last_sync).not.toBeNull();
  });

  it('a wrong password is refused with CR_ERR_MIRROR_DB_ACCESS, and no message carries the password', async () => {
    const dataDir = temp();
    const { config } = pgConfig(cluster, dataDir);
    const wrong = 'Wr0ng-But-Long-Password';
    writeFileSync(config.main_system.database_password_file, wrong);
    const err = (await runSync({ config }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CR_ERR_MIRROR_DB_ACCESS');
    expect(err.message).toContain('28P01');
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(DB_PASSWORD);
    expect(readFileSync(join(dataDir, 'mirror-sync.json'), 'utf8')).not.toContain(wrong);
  });
});
