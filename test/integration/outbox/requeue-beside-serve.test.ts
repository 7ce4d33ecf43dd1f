/**
 * `dead-letters requeue` beside a running serve (issue #26): the command changes the rows
 * through SQLite while the serve holds the data folder; the serve's writer sees another
 * connection's commit (PRAGMA data_version), counts its rows again and has the shipper read
 * from the oldest pending click, so the re-queued clicks are shipped within a poll or two
 * (not whenever a new click wakes the shipper), and /metrics never shows a negative backlog.
 * The serve runs with server.threads as configured (auto: several shards); the re-queued rows
 * are in outbox.db, and the shard set reports any shard's outside change to the shipper.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mixedClicks, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { assertBuilt, freePort, runCli } from '../../support/child-service.js';
import { startRefMainSystem } from '../../support/ref-main-system/server.js';
import { waitFor } from '../../support/wait-for.js';
import { cli, dataDirEnv } from '../audit/cli.js';

const KEY = 'requeue-key-0123456789';
const CLICKS = 400;
const DEAD = 341;

const gauge = async (admin: number, name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};

describe('dead-letters requeue beside a running serve', () => {
  it('is shipped within seconds, and the backlog gauge never goes negative', async () => {
    assertBuilt();
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(CLICKS));
    const db = new Database(join(dir, 'outbox.db'));
    db.prepare("UPDATE clicks SET state = 'dead', dead_reason = 'rejected: test' WHERE seq <= ?").run(DEAD);
    db.close();
    const main = await startRefMainSystem({ apiKey: KEY });
    const admin = await freePort();
    const env = dataDirEnv(dir, { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url, CLICKRELAY_MAIN_SYSTEM_API_KEY: KEY, CLICKRELAY_LOG_LEVEL: 'warn' });
    const serve = runCli(['serve'], env);
    try {
      await waitFor('the pending clicks shipped', () => main.clickCount() === CLICKS - DEAD, { timeoutMs: 40_000 });
      await waitFor('the backlog gauge at 0', async () => (await gauge(admin, 'clickrelay_outbox_pending')) === 0);
      expect(await gauge(admin, 'clickrelay_outbox_dead_letter')).toBe(DEAD);

      const r = await cli(['dead-letters', 'requeue'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`re-queued ${DEAD} dead letters\n`);
      expect(r.stderr).toMatch(new RegExp(`in use by clickrelay serve \\(pid ${serve.proc.pid},.*changed in its outbox files beside it; it picks the change up within seconds`));
      const requeuedAt = Date.now();

      // Sampled while the serve catches up: never below zero.
      const seen: number[] = [];
      await waitFor(
        'the re-queued clicks shipped without a new click',
        async () => {
          seen.push(await gauge(admin, 'clickrelay_outbox_pending'));
          return main.clickCount() === CLICKS;
        },
        { timeoutMs: 30_000, stepMs: 100 },
      );
      // The shipper polls every 2 s while idle: a poll or two, far below the minute its rewind took.
      expect(Date.now() - requeuedAt).toBeLessThan(15_000);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
      await waitFor('the gauges settled', async () => (await gauge(admin, 'clickrelay_outbox_pending')) === 0 && (await gauge(admin, 'clickrelay_outbox_dead_letter')) === 0);
    } finally {
      serve.proc.kill('SIGTERM');
      await serve.exited;
      await main.close();
    }
  }, 120_000);
});
