/**
 * POST /admin/sync is the service's own sync, not a second one: asked while a sync is under way
 * (the schedule's), it joins it and answers its result (one listing fetched); asked without
 * `force`, sync.max_change_ratio refuses a listing that would empty the mirror, and `force`
 * accepts it, as `clickrelay sync --force` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { startTestService, type TestService } from '../../support/service.js';
import { waitFor } from '../../support/wait-for.js';
import { apiKeyFile } from '../../support/api-key-file.js';

const KEY = 'sync-asked-key';
let main: RefMainSystem;
let s: TestService;

beforeAll(async () => {
  main = await startRefMainSystem({ apiKey: KEY, links: 50 });
  const keyFile = apiKeyFile(`${KEY}\n`);
  s = await startTestService({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url, CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile, CLICKRELAY_SYNC_FILE: '', CLICKRELAY_SYNC_PAGE_SIZE: '1000' });
});
afterAll(async () => {
  await s?.stop();
  await main?.close();
});

const ask = async (body?: string): Promise<Record<string, unknown>> => {
  const token = readFileSync(join(s.dataDir, 'admin-control.token'), 'utf8').trim();
  const r = await fetch(`${s.admin}/admin/sync`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, ...(body ? { body } : {}) });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown>;
};

describe('POST /admin/sync is the service\'s own sync', () => {
  it('joins a sync under way and answers its result: one listing fetched for both', async () => {
    main.addLinks([{ tracking_id: 'lt_joined', original_url: 'https://jobs.example.com/joined' }]);
    main.faults.slowMs = { ms: 1500, routes: ['links'] };
    main.requestLog.clear();
    const scheduled = s.service.mirror.sync(); // what a cron tick calls
    await waitFor('the scheduled sync to ask for its listing', () => main.requestLog.count('links') === 1);
    const asked = await ask();
    const r = await scheduled;
    main.faults.slowMs = 0;
    expect(asked).toMatchObject({ ok: true, changed: true, added: 1 });
    expect(asked.durationMs).toBe(r.durationMs);
    expect(main.requestLog.count('links')).toBe(1);
  }, 30_000);

  it('respects sync.max_change_ratio, and force only when asked', async () => {
    main.faults.emptyListing = {};
    try {
      const refused = await ask();
      expect(refused).toMatchObject({ ok: false, refused: true, code: 'CR_ERR_MIRROR_REFUSED' });
      expect((await fetch(`${s.base}/track/lt_joined`, { redirect: 'manual' })).status).toBe(302);
      const forced = await ask('{"force":true}');
      expect(forced).toMatchObject({ ok: true, forced: true, active: 0 });
    } finally {
      main.faults.emptyListing = null;
    }
  }, 30_000);
});
