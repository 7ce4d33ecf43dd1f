/**
 * The shipper delivering into the guide's link_clicks table on a real PostgreSQL, as
 * link_tracking_user with only the README's GRANTs: exactly once, row by row, through a
 * database crash; a refused right pauses; a row the database rejects is the only one lost
 * to dead letter.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openClickSink } from '../../../src/main-system/postgres/index.js';
import type { Outbox } from '../../../src/outbox/index.js';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { createShipper, type Shipper, type ShipperEvent } from '../../../src/shipper/index.js';
import type { ClickRecord } from '../../../src/types.js';
import { initdb, skipUnless } from '../../support/requires.js';
import { DB_PASSWORD, startCluster, type PgCluster } from '../../support/postgres.js';
import { assertBuilt, runCli } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';
import { click, clicks, ofType, openOutbox, record, removeDir, tempDir } from '../shipper/helpers.js';

type StoredRow = { click_id: string; tracking_id: string; clicked_at: string; ip_address: string | null; user_agent: string | null; referrer_url: string | null; session_id: string | null; click_source: string | null; metadata: Record<string, unknown> };

describe.skipIf(skipUnless(initdb()))('shipping into the main system database', () => {
  let cluster: PgCluster;
  let dir: string;
  let outbox: Outbox;
  let shipper: Shipper | null = null;
  let events: ShipperEvent[];

  const settings = () => ({ database_url: cluster.url, database_password_file: '', timeout_ms: 2_000 });
  const env = () => ({ PGPASSWORD: DB_PASSWORD });
  const start = (batchSize = 100): Shipper => {
    shipper = createShipper({
      outbox,
      sink: openClickSink(settings(), 4, env()),
      mode: 'batch',
      batchSize,
      lingerMs: 5,
      concurrency: 4,
      maxBackoffMs: 200,
      baseBackoffMs: 5,
      pollMs: 100,
      onEvent: (e) => events.push(e),
    });
    return shipper;
  };
  const stored = async () =>
    (
      await cluster.admin<StoredRow>(
        `SELECT click_id::text, tracking_id, to_char(clicked_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS clicked_at, host(ip_address) AS ip_address,
                user_agent, referrer_url, session_id, click_source, metadata FROM link_clicks ORDER BY click_id`,
      )
    ).rows;

  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  beforeEach(async () => {
    await shipper?.stop({ graceMs: 0 });
    shipper = null;
    events = [];
    await cluster.admin('TRUNCATE link_clicks');
    dir = tempDir('pg-ship-');
    outbox = await openOutbox(dir);
    return async () => {
      await shipper?.stop({ graceMs: 0 });
      shipper = null;
      await outbox.close();
      removeDir(dir);
    };
  });

  it('every column arrives as the outbox holds it: INET, JSONB, UTC time, the anonymous flag in metadata', async () => {
    const ours: ClickRecord[] = [
      click('lt_a', { clicked_at: '2026-01-02T03:04:05.678Z' }),
      click('lt_b', { ip_address: '2001:db8:1::', metadata: { utm_campaign: 'spring', bot: true } }),
      click('lt_c', { anonymous: true, ip_address: null, user_agent: null, referrer_url: null, session_id: null, click_source: 'direct', metadata: {} }),
    ];
    await record(outbox, ours);
    const r = await start().drain({ timeoutMs: 10_000 });
    expect(r).toEqual({ pending: 0, dead_letter: 0, paused: false });
    const rows = await stored();
    const byId = new Map(rows.map((x) => [x.click_id, x]));
    for (const c of ours) {
      const row = byId.get(c.click_id)!;
      expect(row).toEqual({
        click_id: c.click_id,
        tracking_id: c.tracking_id,
        clicked_at: c.clicked_at,
        ip_address: c.ip_address,
        user_agent: c.user_agent,
        referrer_url: c.referrer_url,
        session_id: c.session_id,
        click_source: c.click_source,
        metadata: c.anonymous ? { ...c.metadata, anonymous: true } : c.metadata,
      });
    }
    // clicked_at is UTC whatever the session's TimeZone says.
    const tz = await cluster.admin<{ t: string }>(`SET TimeZone = 'America/New_York'; SELECT to_char(clicked_at, 'HH24:MI') AS t FROM link_clicks WHERE click_id = $1`.split(';')[1]!, [ours[0]!.click_id]);
    expect(tz.rows[0]!.t).toBe('03:04');
  });

  it('a batch sent again after a lost answer stores nothing twice', async () => {
    const sink = openClickSink(settings(), 1, env());
    // As the outbox hands them over: metadata as its stored JSON text.
    const asStored = (cs: ClickRecord[]) => cs.map((c) => ({ ...c, metadata: JSON.stringify(c.metadata) }));
    const batch = asStored(clicks(50));
    const signal = new AbortController().signal;
    try {
      expect(await sink.deliver(batch, signal)).toEqual({ kind: 'answered', recorded: 50, duplicates: 0 });
      expect(await sink.deliver([...batch.slice(0, 20), ...asStored(clicks(5))], signal)).toEqual({ kind: 'answered', recorded: 5, duplicates: 20 });
    } finally {
      await sink.close();
    }
    expect((await stored()).length).toBe(55);
  });

  it('the database stopped (-m immediate) in the middle of shipping and started again: nothing lost, nothing doubled', async () => {
    const ours = clicks(6_000);
    await record(outbox, ours);
    const s = start(50);
    s.start();
    // Crash once a part has arrived, while batches are in flight.
    const arrived = async () => Number((await cluster.admin<{ n: string }>('SELECT count(*) AS n FROM link_clicks')).rows[0]!.n);
    let before = 0;
    await waitFor('a first part to arrive in link_clicks', async () => (before = await arrived()) > 0);
    const retriesBefore = ofType(events, 'retry').length;
    cluster.crash();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(ours.length);
    await waitFor('the shipper to meet the stopped database', () => ofType(events, 'retry').length > retriesBefore);
    cluster.start();
    const r = await s.drain({ timeoutMs: 60_000 });
    expect(r).toEqual({ pending: 0, dead_letter: 0, paused: false });
    expect(ofType(events, 'retry').length).toBeGreaterThan(0);
    const rows = await stored();
    expect(rows.length).toBe(ours.length);
    expect(rows.map((x) => x.click_id)).toEqual(ours.map((c) => c.click_id).sort());
    // Row by row against the outbox: every click shipped, each exactly as recorded.
    const ro = openOutboxReadOnly(dir);
    try {
      const byId = new Map(rows.map((x) => [x.click_id, x]));
      let n = 0;
      for (const row of ro.clicks()) {
        n++;
        expect(row.state).toBe('shipped');
        const c = row.click;
        expect(byId.get(c.click_id)).toMatchObject({ tracking_id: c.tracking_id, clicked_at: c.clicked_at, ip_address: c.ip_address, session_id: c.session_id });
      }
      expect(n).toBe(ours.length);
    } finally {
      ro.close();
    }
  }, 90_000);

  it('a role without INSERT pauses shipping with a clear message and dead-letters nothing; the GRANT resumes it', async () => {
    await cluster.admin('REVOKE INSERT ON link_clicks FROM link_tracking_user');
    try {
      await record(outbox, clicks(30));
      const s = start();
      const r = await s.drain({ timeoutMs: 1_500 });
      expect(r).toEqual({ pending: 30, dead_letter: 0, paused: true });
      const u = ofType(events, 'unauthorized');
      expect(u.length).toBe(1);
      expect(u[0]!.detail).toMatch(/^42501: permission denied for table link_clicks/);
    } finally {
      await cluster.admin('GRANT INSERT ON link_clicks TO link_tracking_user');
    }
    const r = await shipper!.drain({ timeoutMs: 10_000 });
    expect(r).toEqual({ pending: 0, dead_letter: 0, paused: false });
    expect(ofType(events, 'resumed').length).toBe(1);
    expect((await stored()).length).toBe(30);
  });

  it('a row the database rejects is the only click dead-lettered; its batch neighbours are stored', async () => {
    const ours = clicks(40);
    // The guide's referrer_url is VARCHAR(1000): with privacy.referrer = "full" a longer one can exist.
    const bad = click('lt_test', { referrer_url: `https://example.com/${'x'.repeat(1_100)}` });
    ours.splice(17, 0, bad);
    await record(outbox, ours);
    const r = await start().drain({ timeoutMs: 10_000 });
    expect(r).toEqual({ pending: 0, dead_letter: 1, paused: false });
    const dl = ofType(events, 'dead_letter');
    expect(dl.map((e) => e.count)).toEqual([1]);
    expect(dl[0]!.reason).toMatch(/^rejected: 22001: value too long/);
    const rows = await stored();
    expect(rows.length).toBe(40);
    expect(rows.some((x) => x.click_id === bad.click_id)).toBe(false);
  });

  it('`clickrelay ship --once` drains into the database and exits 0; with INSERT refused it exits non-zero and says why', async () => {
    assertBuilt();
    await record(outbox, clicks(25));
    await outbox.close();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dir, CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: cluster.url, PGPASSWORD: DB_PASSWORD, CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '200', CLICKRELAY_LOG_LEVEL: 'warn' };
    await cluster.admin('REVOKE INSERT ON link_clicks FROM link_tracking_user');
    try {
      const refused = runCli(['ship', '--once', '--timeout', '2'], env);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toMatch(/0 clicks .* 25 still pending, 0 dead letters; the main system's database refused the login or the INSERT right/);
      expect(refused.output()).not.toContain(DB_PASSWORD);
    } finally {
      await cluster.admin('GRANT INSERT ON link_clicks TO link_tracking_user');
    }
    const cli = runCli(['ship', '--once', '--timeout', '20'], env);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/shipped 25 clicks .* 0 still pending, 0 dead letters/);
    expect((await stored()).length).toBe(25);
    outbox = await openOutbox(dir); // for the clean-up
  });
});
