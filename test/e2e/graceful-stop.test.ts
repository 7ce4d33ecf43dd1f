/**
 * `systemctl restart` sends SIGTERM while keep-alive clients are mid-conversation. Their
 * connections outlive the listen socket: every request they still deliver must either be
 * stored or not be answered with a redirect, in both on_write_error modes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, waitReady } from '../support/child-service.js';
import { storedTags } from '../support/shards.js';

beforeAll(() => assertBuilt());

const CLIENTS = 32;

describe.each(['fail-open', 'fail-closed'])('SIGTERM under keep-alive load (on_write_error = %s)', (mode) => {
  it('every redirect answered 302 has its click in the outbox, and serve exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-stop-'));
    const links = join(dir, 'links.json');
    writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_stop', original_url: 'https://example.com/', is_active: true }]));
    const [port, admin] = [await freePort(), await freePort()];
    const child = runCli(['serve'], {
      CLICKRELAY_SERVER_PORT: String(port),
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
      CLICKRELAY_SYNC_FILE: links,
      CLICKRELAY_OUTBOX_DURABILITY: 'durable',
      CLICKRELAY_OUTBOX_ON_WRITE_ERROR: mode,
      // Two serving threads, each with its own outbox shard: every one of them drains (#22).
      CLICKRELAY_SERVER_THREADS: '2',
      CLICKRELAY_LOG_LEVEL: 'warn',
    });
    await waitReady(admin, child, 60_000); // two threads start slower on a loaded machine

    // Each client holds one keep-alive connection (undici Client) and tags every click with a
    // unique utm_content, until the process is gone.
    const redirected = new Set<string>();
    const statuses = new Map<number, number>();
    let n = 0;
    let gone = false;
    void child.exited.then(() => (gone = true));
    const client = async (c: number) => {
      const conn = new Client(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: 60_000 });
      while (!gone) {
        const mark = `c${c}n${n++}`;
        try {
          const r = await conn.request({ path: `/track/lt_stop?utm_content=${mark}`, method: 'GET' });
          await r.body.dump();
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
          if (r.statusCode === 302) redirected.add(mark);
        } catch {
          // Refused or cut by the stop: no redirect was received for this one. A breath before
          // the next try so the client does not spin; pacing, nothing is asserted on it.
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      await conn.destroy();
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    // Mid-load: once a few hundred redirects went through (on a busy machine that takes longer).
    for (const until = Date.now() + 30_000; redirected.size < 300 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    const before = redirected.size;
    child.proc.kill('SIGTERM');
    const code = await child.exited;
    await Promise.all(clients);
    expect(code, child.output()).toBe(0);
    expect(before, 'redirects before the SIGTERM').toBeGreaterThanOrEqual(300);

    const { tags: stored, twice } = storedTags(join(dir, 'data'), 'utm_content');
    expect(twice, 'stored more than once').toEqual([]);
    const lost = [...redirected].filter((m) => !stored.has(m));
    expect(lost, `answered 302 but not stored (statuses: ${JSON.stringify([...statuses])})`).toEqual([]);
    expect(child.output()).not.toMatch(/CR_ERR_OUTBOX_CLOSED|the outbox is closed/);
  }, 90_000);
});
