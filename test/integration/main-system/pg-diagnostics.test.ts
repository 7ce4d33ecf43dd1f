/**
 * What clickrelay says when the main system's database will not take clicks (issue #26), on a
 * real PostgreSQL: every right the adapter needs is checked by `status` (the column SELECT the
 * INSERT's ON CONFLICT reads, too); a wrong password is named as a refused login, not an API
 * key; and a NOT NULL column added to link_clicks, which every row trips over, pauses shipping
 * as the table's fault instead of dead-lettering every click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initdb, skipUnless } from '../../support/requires.js';
import { DB_PASSWORD, startCluster, type PgCluster } from '../../support/postgres.js';
import { assertBuilt, runCli } from '../../support/child-service.js';
import { clicks, openOutbox, record, removeDir, tempDir } from '../shipper/helpers.js';

describe.skipIf(skipUnless(initdb()))('database diagnostics', () => {
  let cluster: PgCluster;
  let dir = '';
  const env = (more: Record<string, string> = {}) => ({
    CLICKRELAY_STORAGE_DATA_DIR: dir,
    CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: cluster.url,
    PGPASSWORD: DB_PASSWORD,
    CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '200',
    CLICKRELAY_LOG_LEVEL: 'warn',
    ...more,
  });
  const shipOnce = async (more: Record<string, string> = {}) => {
    const c = runCli(['ship', '--once', '--timeout', '2'], env(more));
    return { code: await c.exited, out: c.output() };
  };

  beforeAll(async () => {
    assertBuilt();
    cluster = await startCluster();
    dir = tempDir('pg-diag-');
    const outbox = await openOutbox(dir);
    await record(outbox, clicks(20));
    await outbox.close();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
    if (dir) removeDir(dir);
  });

  it('status names a missing SELECT (click_id) on link_clicks', async () => {
    await cluster.admin('REVOKE SELECT (click_id) ON link_clicks FROM link_tracking_user');
    try {
      const c = runCli(['status'], env());
      await c.exited;
      expect(c.output()).toContain('SELECT on link_tracking yes, INSERT on link_clicks yes, SELECT (click_id) on link_clicks NO');
      const ship = await shipOnce();
      expect(ship.code).toBe(1);
      expect(ship.out).toContain("the main system's database refused a right clickrelay needs");
      expect(ship.out).not.toContain('API key');
    } finally {
      await cluster.admin('GRANT SELECT (click_id) ON link_clicks TO link_tracking_user');
    }
  }, 60_000);

  it('a wrong password is a refused login, never an API key', async () => {
    const ship = await shipOnce({ PGPASSWORD: 'not-the-password' });
    expect(ship.code).toBe(1);
    expect(ship.out).toMatch(/20 still pending, 0 dead letters; .*\nwhy: the main system's database refused the login: check main_system.database_url's user and the password file \(28P01/);
    expect(ship.out).not.toContain('API key');
    expect(ship.out).not.toContain('not-the-password');
  }, 60_000);

  it('a NOT NULL column clickrelay never writes pauses shipping with a coded error and dead-letters nothing', async () => {
    await cluster.admin('ALTER TABLE link_clicks ADD COLUMN tenant_id integer NOT NULL');
    try {
      const ship = await shipOnce();
      expect(ship.code).toBe(1);
      expect(ship.out).toContain('20 still pending, 0 dead letters');
      expect(ship.out).toContain('shipping paused, clicks stay pending'); // the sink's pause: CR_ERR_SHIP_DB_ACCESS in serve's log
      expect(ship.out).toContain('link_clicks.tenant_id is NOT NULL without a default, and clickrelay does not write it');
    } finally {
      await cluster.admin('ALTER TABLE link_clicks DROP COLUMN tenant_id');
    }
    const ship = await shipOnce();
    expect(ship.code, ship.out).toBe(0);
    expect(ship.out).toContain('shipped 20 clicks');
  }, 60_000);
});
