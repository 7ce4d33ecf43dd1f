import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, waitReady } from '../support/child-service.js';
import { storedTags } from '../support/shards.js';
import { waitFor } from '../support/wait-for.js';

beforeAll(() => assertBuilt());

describe('durability under SIGKILL', () => {
  it('a click whose redirect the client received is in the outbox after a SIGKILL and restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-crash-'));
    const links = join(dir, 'links.json');
    writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_crash', original_url: 'https://example.com/', is_active: true }]));
    const [port, admin] = [await freePort(), await freePort()];
    const env = {
      CLICKRELAY_SERVER_PORT: String(port),
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
      CLICKRELAY_SYNC_FILE: links,
      CLICKRELAY_OUTBOX_DURABILITY: process.env.CRASH_TEST_DURABILITY ?? 'durable',
      // Two serving threads, each answering only after its own shard fsynced the click (#22).
      CLICKRELAY_SERVER_THREADS: '2',
      CLICKRELAY_LOG_LEVEL: 'warn',
    };
    const child = runCli(['serve'], env);
    await waitReady(admin, child, 60_000); // two threads start slower on a loaded machine

    // 32 clients, each marking its clicks with a unique utm_content, until the kill.
    const received = new Set<string>();
    let n = 0;
    let killed = false;
    const client = async () => {
      while (!killed) {
        const mark = `m${n++}`;
        try {
          const r = await fetch(`http://127.0.0.1:${port}/track/lt_crash?utm_content=${mark}`, { redirect: 'manual' });
          if (r.status === 302) received.add(mark);
        } catch {
          /* the kill cut this request: its redirect was not received */
        }
      }
    };
    const clients = Array.from({ length: 32 }, client);
    // Killed under load: once well over 500 redirects were received, as many clients still wait.
    await waitFor('600 redirects received', () => received.size >= 600, { timeoutMs: 40_000 });
    child.proc.kill('SIGKILL');
    killed = true;
    await Promise.all(clients);
    expect(await child.exited).toBeNull();
    expect(received.size, 'redirects received before the kill').toBeGreaterThan(500);

    // Restart on the same data: the outbox opens cleanly, and the chain still verifies.
    const again = runCli(['serve'], env);
    await waitReady(admin, again, 60_000); // two threads start slower on a loaded machine
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const { tags: stored, twice, perShard, violations } = storedTags(join(dir, 'data'), 'utm_content');
    const lost = [...received].filter((m) => !stored.has(m));
    expect(lost).toEqual([]);
    expect(twice, 'stored more than once').toEqual([]);
    expect(violations).toEqual([]);
    expect([...perShard.keys()], 'both threads wrote their shard').toEqual([0, 1]);
  }, 150_000);
});
