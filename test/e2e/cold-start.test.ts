/**
 * A cold start (no mirror.db yet) serves before its first sync has finished. Until then the
 * service does not know which links exist, and must not tell a clicker that one is dead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli } from '../support/child-service.js';

beforeAll(() => assertBuilt());

// Enough links that the first sync takes a while to build and load.
const LINKS = Array.from({ length: 2_000 }, (_, i) => ({ tracking_id: `lt_cold${i}`, original_url: `https://example.com/job/${i}`, is_active: true }));

describe('cold start', () => {
  it('a valid link polled from the first millisecond is never answered 404, only 503 + Retry-After until the mirror is loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-cold-'));
    const links = join(dir, 'links.json');
    writeFileSync(links, JSON.stringify(LINKS));
    const [port, admin] = [await freePort(), await freePort()];
    const child = runCli(['serve'], {
      CLICKRELAY_SERVER_PORT: String(port),
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
      CLICKRELAY_SYNC_FILE: links,
      CLICKRELAY_LOG_LEVEL: 'warn',
    });
    const statuses = new Map<number, number>();
    const retryAfter = new Set<string | null>();
    let redirected = false;
    const poller = async (p: number) => {
      const until = Date.now() + 30_000;
      while (!redirected && Date.now() < until && child.proc.exitCode === null) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/track/lt_cold${p * 997}`, { redirect: 'manual' });
          await r.arrayBuffer();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 503) retryAfter.add(r.headers.get('retry-after'));
          if (r.status === 302) redirected = true;
          // A breath between polls: the sync thread runs at nice 10 and would starve behind us.
          await new Promise((r) => setTimeout(r, 2));
        } catch {
          await new Promise((r) => setTimeout(r, 1)); // not listening yet
        }
      }
    };
    await Promise.all(Array.from({ length: 2 }, (_, p) => poller(p)));
    const readyz = await fetch(`http://127.0.0.1:${admin}/readyz`);
    child.proc.kill('SIGTERM');
    expect(await child.exited, child.output()).toBe(0);

    const seen = JSON.stringify([...statuses]);
    expect(redirected, seen).toBe(true);
    expect(statuses.get(404) ?? 0, `statuses ${seen}`).toBe(0);
    expect([...statuses.keys()].filter((s) => s !== 302 && s !== 503), seen).toEqual([]);
    expect([...retryAfter].filter((v) => v !== '1')).toEqual([]);
    expect(readyz.status).toBe(200);
  }, 60_000);
});
