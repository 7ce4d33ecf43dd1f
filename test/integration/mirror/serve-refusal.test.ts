/**
 * Inside `serve`: a drifted listing is a failed sync for the operator's alerts
 * (clickrelay_sync_failures_total, an error-level log line naming ids), and the redirects
 * keep working from the mirror it did not replace.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { startTestService, type TestService } from '../../support/service.js';
import { apiKeyFile } from '../../support/api-key-file.js';

const KEY = 'serve-refusal-key';
let main: RefMainSystem;
let s: TestService;

beforeAll(async () => {
  main = await startRefMainSystem({ apiKey: KEY, links: 50 });
  const keyFile = apiKeyFile(KEY);
  s = await startTestService({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url, CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile, CLICKRELAY_SYNC_FILE: '' });
});
afterAll(async () => {
  await s?.stop();
  await main?.close();
});

it('a drifted listing counts as a failed sync, is logged at error level with ids, and every redirect keeps working', async () => {
  main.faults.driftIsActive = {};
  await expect(s.service.mirror.sync()).rejects.toMatchObject({ code: 'CR_ERR_MIRROR_REFUSED' });
  const metrics = await (await fetch(`${s.admin}/metrics`)).text();
  expect(metrics).toMatch(/^clickrelay_sync_failures_total 1$/m);
  expect(metrics).toMatch(/^clickrelay_mirror_links\{state="active"\} 45$/m);
  const line = s.logs.find((l) => l['event'] === 'sync_failed');
  expect(line).toMatchObject({ level: 50, code: 'CR_ERR_MIRROR_REFUSED', details: { rejected_samples: { bad_is_active: ['lt_seed_0000001', 'lt_seed_0000002', 'lt_seed_0000003', 'lt_seed_0000004', 'lt_seed_0000005'] } } });
  const r = await fetch(`${s.base}/track/lt_seed_0000007`, { redirect: 'manual' });
  expect(r.status).toBe(302);
  expect((await fetch(`${s.admin}/readyz`)).status).toBe(200);
});
