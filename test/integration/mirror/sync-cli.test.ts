/**
 * `clickrelay sync [--force] [--json]` and `clickrelay status` as an operator runs them
 * (the built CLI as a child process) against the reference main system: exit 0 on a
 * sync, 3 on a refused listing, 1 on a failed one; status shows the refusal and its ids.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../../support/child-service.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { API_KEY, links, removeTempDirs, tempDir } from './helpers.js';

let ms: RefMainSystem;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  ms = await startRefMainSystem({ apiKey: API_KEY });
  ms.addLinks(links(100));
  dir = tempDir('sync-cli-');
});
afterAll(async () => {
  await ms?.close();
  removeTempDirs();
});

/** Asynchronous: the main system answers from this process. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: dir, CLICKRELAY_MAIN_SYSTEM_BASE_URL: ms.url, CLICKRELAY_MAIN_SYSTEM_API_KEY: API_KEY, CLICKRELAY_SYNC_PAGE_SIZE: '30' },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('clickrelay sync, exit codes and status', () => {
  it('exits 0 on a sync, 3 on a refused listing (status shows why), 0 with --force, 1 when the main system is down', async () => {
    const first = await cli('sync', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, changed: true, added: 100 });

    ms.faults.driftIsActive = {};
    const refused = await cli('sync', '--json');
    expect(refused.code).toBe(3);
    const body = JSON.parse(refused.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: false, refused: true, code: 'CR_ERR_MIRROR_REFUSED', details: { mirror_links: 100, rejected: { bad_is_active: 100 } } });
    expect((body['details'] as { rejected_samples: Record<string, string[]> }).rejected_samples['bad_is_active']).toEqual(['lt_0000', 'lt_0001', 'lt_0002', 'lt_0003', 'lt_0004']);
    expect(refused.stderr).toMatch(/refused the listing, the old mirror stays: CR_ERR_MIRROR_REFUSED/);

    const text = await cli('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/mirror {5}100 links \(100 active/);
    expect(text.stdout).toMatch(/FAILING: last attempt .*CR_ERR_MIRROR_REFUSED: listing refused.*bad_is_active: 100 \(lt_0000/);
    const st = JSON.parse((await cli('status', '--json')).stdout) as { mirror: Record<string, unknown> };
    expect(st.mirror).toMatchObject({ links: 100, failing: true, last_error: { code: 'CR_ERR_MIRROR_REFUSED', details: { removed: 100 } } });

    const forced = await cli('sync', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^forced: accepted a listing/);
    expect(forced.stdout).toMatch(/rejected rows \(not served\): bad_is_active: 100 \(lt_0000, lt_0001, lt_0002, lt_0003, lt_0004, …\)/);
    const after = JSON.parse((await cli('status', '--json')).stdout) as { mirror: Record<string, unknown> };
    expect(after.mirror).toMatchObject({ links: 0, failing: false });

    await ms.setDown(true);
    try {
      const down = await cli('sync');
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/clickrelay sync failed, the old mirror stays: CR_ERR_MIRROR_NETWORK/);
    } finally {
      await ms.setDown(false);
    }
  }, 120_000); // eight CLI processes, each starting Node and a sync thread
});
