/**
 * A fleet: two real `clickrelay serve` processes, each with its own data folder and outbox,
 * pointed at one PostgreSQL (the guide's tables, the README's role). They sync from
 * link_tracking, answer redirects and ship into link_clicks at the same time, without
 * talking to each other; every click arrives exactly once.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAcrossShards } from '../support/shards.js';
import { assertBuilt, freePort, runCli, waitReady, type Child } from '../support/child-service.js';
import { DB_PASSWORD, startCluster, type PgCluster } from '../support/postgres.js';
import { initdb, skipUnless } from '../support/requires.js';
import { waitFor } from '../support/wait-for.js';

describe.skipIf(skipUnless(initdb()))('a fleet of relays on one database', () => {
  let cluster: PgCluster;
  let dir: string;
  const children: Child[] = [];

  beforeAll(async () => {
    assertBuilt();
    cluster = await startCluster();
    await cluster.admin(
      `INSERT INTO link_tracking (tracking_id, link_function, link_type, original_url, redirect_url)
       VALUES ('lt_fleet', 'LinkedIn', 'profile', 'https://linkedin.com/in/steve-glen', 'https://links.example.com/track/lt_fleet')`,
    );
    dir = mkdtempSync(join(tmpdir(), 'pg-fleet-'));
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two serve processes shipping into one database at the same time: every click exactly once', async () => {
    const pwFile = join(dir, 'db-password');
    writeFileSync(pwFile, DB_PASSWORD, { mode: 0o600 });
    const nodes = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const dataDir = join(dir, name);
        mkdirSync(dataDir);
        const [port, admin] = [await freePort(), await freePort()];
        const env = {
          CLICKRELAY_SERVER_PORT: String(port),
          CLICKRELAY_ADMIN_PORT: String(admin),
          CLICKRELAY_STORAGE_DATA_DIR: dataDir,
          CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: cluster.url,
          CLICKRELAY_MAIN_SYSTEM_DATABASE_PASSWORD_FILE: pwFile,
          CLICKRELAY_OUTBOX_DURABILITY: 'fast',
          CLICKRELAY_SHIPPER_BATCH_SIZE: '50',
          CLICKRELAY_SHIPPER_LINGER_MS: '20',
          CLICKRELAY_LOG_LEVEL: 'warn',
        };
        const child = runCli(['serve'], env);
        children.push(child);
        return { name, port, admin, dataDir, child };
      }),
    );
    // Ready once the first sync is in: the mirror thread runs at nice 10, slow on a loaded machine.
    for (const n of nodes) await waitReady(n.admin, n.child, 80_000);

    // Both take clicks at once; shipping runs concurrently on both.
    const PER_NODE = 400;
    await Promise.all(
      nodes.map(async (n) => {
        for (let i = 0; i < PER_NODE; i += 20) {
          const answers = await Promise.all(
            Array.from({ length: 20 }, (_, k) => fetch(`http://127.0.0.1:${n.port}/track/lt_fleet?utm_content=${n.name}${i + k}`, { redirect: 'manual' })),
          );
          for (const a of answers) expect(a.status).toBe(302);
        }
      }),
    );

    const count = async () => Number((await cluster.admin<{ n: string }>('SELECT count(*) AS n FROM link_clicks')).rows[0]!.n);
    await waitFor('both nodes\' clicks in link_clicks', async () => (await count()) >= 2 * PER_NODE, { timeoutMs: 30_000, stepMs: 100 });

    const metrics = await (await fetch(`http://127.0.0.1:${nodes[0]!.admin}/metrics`)).text();
    expect(metrics).toMatch(/^clickrelay_main_system_info\{adapter="postgres"\} 1$/m);
    expect(metrics).toMatch(/^clickrelay_main_system_reachable 1$/m);
    expect(metrics).toMatch(/^clickrelay_shipper_last_success_timestamp_seconds [1-9]/m);
    expect(metrics).not.toContain(DB_PASSWORD);

    // Stopped cleanly, each node's outbox has every one of its clicks shipped.
    for (const n of nodes) {
      n.child.proc.kill('SIGTERM');
      expect(await n.child.exited).toBe(0);
    }
    const rows = (await cluster.admin<{ click_id: string; mark: string }>("SELECT click_id::text, metadata->>'utm_content' AS mark FROM link_clicks")).rows;
    const db = new Map(rows.map((r) => [r.click_id, r.mark]));
    expect(rows.length).toBe(2 * PER_NODE);
    expect(db.size).toBe(rows.length);
    for (const n of nodes) {
      // Every outbox shard of the node (one per serving thread, server.threads).
      const ours = readAcrossShards(n.dataDir).clicks;
      expect(ours.length).toBe(PER_NODE);
      for (const c of ours) {
        expect(c.state).toBe('shipped');
        expect(db.get(c.click.click_id)).toBe(c.click.metadata.utm_content);
        expect(c.click.metadata.utm_content!.startsWith(n.name)).toBe(true);
      }
    }
  }, 180_000);
});
