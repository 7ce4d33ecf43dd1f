/**
 * Miss-lookup amplification (issue #12): unique unknown ids must not become one
 * authenticated request each to the main system. The real service (real uWS listener)
 * in front of the reference main system, which counts what actually reached it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { skippingClock } from '../../support/clock.js';
import { startTestService, type TestService } from '../../support/service.js';
import { apiKeyFile } from '../../support/api-key-file.js';

const KEY = 'miss-shedding-key';
let main: RefMainSystem;
let s: TestService;
// The buckets refill by this clock: a test skips it ahead instead of waiting real seconds.
const clock = skippingClock();

beforeAll(async () => {
  main = await startRefMainSystem({ apiKey: KEY, links: 5 });
  const keyFile = apiKeyFile(KEY);
  s = await startTestService({
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile,
    CLICKRELAY_SYNC_FILE: '',
    // The public rate limit stays off (the default): these caps must hold without it.
    CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32',
    CLICKRELAY_SYNC_MISS_CLIENT_RATE_PER_SECOND: '1',
    CLICKRELAY_SYNC_MISS_CLIENT_BURST: '5',
    CLICKRELAY_SYNC_MISS_RATE_PER_SECOND: '5',
    CLICKRELAY_SYNC_MISS_BURST: '15',
  }, undefined, { clock: clock.now });
});
afterAll(async () => {
  await s?.stop();
  await main?.close();
});

const get = (id: string, client: string) => fetch(`${s.base}/track/${id}`, { redirect: 'manual', headers: { 'X-Forwarded-For': client, Accept: 'application/json' } });

async function flood(ids: string[], client: (i: number) => string): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < ids.length; i += 25) out.push(...(await Promise.all(ids.slice(i, i + 25).map((id, k) => get(id, client(i + k))))));
  return out;
}

/** clickrelay_miss_lookups_shed_total by reason, from the admin listener. */
async function shedTotals(): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.admin}/metrics`)).text();
  const out: Record<string, number> = { saturated: 0, shed_global_rate: 0, shed_client_rate: 0 };
  for (const m of text.matchAll(/^clickrelay_miss_lookups_shed_total\{reason="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}
const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]));

describe('miss lookups are capped, and what is shed is answered 503 + Retry-After', () => {
  it('one client with 400 unique unknown ids reaches the main system only as often as its bucket allows', async () => {
    main.requestLog.clear();
    const before = await shedTotals();
    const t0 = Date.now();
    const answers = await flood(Array.from({ length: 400 }, (_, i) => `lt_nosuch_${i}`), () => '203.0.113.7');
    const seconds = (Date.now() - t0) / 1000;
    const upstream = main.requestLog.count('analytics');
    // burst 5, then 1 per second
    expect(upstream).toBeLessThanOrEqual(5 + Math.ceil(seconds) + 1);
    expect(upstream).toBeGreaterThanOrEqual(5);
    const shed = answers.filter((r) => r.status === 503);
    expect(answers.filter((r) => r.status === 404)).toHaveLength(upstream); // only what the main system was asked
    expect(shed).toHaveLength(400 - upstream);
    expect(Number(shed[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await shed[0]!.json()).toMatchObject({ error: 'Service temporarily unavailable', tracking_id: expect.stringMatching(/^lt_nosuch_/) });
    const shedBy = delta(before, await shedTotals());
    expect(shedBy['shed_client_rate']).toBeGreaterThan(300);
    expect(shedBy['shed_client_rate']! + shedBy['shed_global_rate']! + shedBy['saturated']!).toBe(400 - upstream);
  });

  it('another client is not shut out by the first one: a link created after the sync still redirects', async () => {
    main.setLink({ tracking_id: 'lt_created_later', original_url: 'https://example.com/later' });
    const r = await get('lt_created_later', '198.51.100.20');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://example.com/later');
  });

  it('many clients together are held to the global bucket', async () => {
    clock.advance(3_100); // let the global bucket refill (15 at 5/s)
    main.requestLog.clear();
    const before = await shedTotals();
    const t0 = Date.now();
    // 300 clients from 300 different /24s, one unknown id each: no client is over its own cap.
    const answers = await flood(Array.from({ length: 300 }, (_, i) => `lt_many_${i}`), (i) => `10.${Math.floor(i / 250)}.${i % 250}.1`);
    const seconds = (Date.now() - t0) / 1000;
    const upstream = main.requestLog.count('analytics');
    expect(upstream).toBeLessThanOrEqual(15 + 5 * Math.ceil(seconds) + 1);
    expect(answers.filter((r) => r.status === 503).length).toBe(300 - upstream);
    const shedBy = delta(before, await shedTotals());
    expect(shedBy['shed_client_rate']).toBe(0);
    expect(shedBy['shed_global_rate']).toBeGreaterThan(200);
    expect(shedBy['shed_global_rate']! + shedBy['saturated']!).toBe(300 - upstream);
  });
});
