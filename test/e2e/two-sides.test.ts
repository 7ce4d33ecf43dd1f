/**
 * Both sides for real: the reference main system over HTTP and clickrelay serve (in-process,
 * real listeners), then the CLI commands against the same data folder.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../support/ref-main-system/server.js';
import { assertBuilt, CLI } from '../support/child-service.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait-for.js';
import { apiKeyFile } from '../support/api-key-file.js';

const KEY = 'two-sides-key';
let main: RefMainSystem;
let s: TestService;

const until = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000) => waitFor(what, ok, { timeoutMs });

beforeAll(async () => {
  assertBuilt();
  main = await startRefMainSystem({ apiKey: KEY, links: 20 });
  const keyFile = apiKeyFile(`${KEY}\n`);
  s = await startTestService({
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile,
    CLICKRELAY_SYNC_FILE: '',
    CLICKRELAY_SHIPPER_LINGER_MS: '50',
  });
});
afterAll(async () => {
  await s?.stop();
  await main?.close();
});

/** The CLI as a child process; asynchronous, because the main system answers from this process. */
const cli = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: s.dataDir, CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url, CLICKRELAY_MAIN_SYSTEM_API_KEY: KEY }, encoding: 'utf8', cwd: s.dataDir })).stdout;

describe('clickrelay with the main system', () => {
  it('syncs the links, redirects, and ships each click to the main system once', async () => {
    const r = await fetch(`${s.base}/track/lt_seed_0000001?utm_source=e2e`, { redirect: 'manual', headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' } });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://jobs.example.com/postings/1?ref=seed');
    await until('the click to reach the main system', () => main.clickCount() === 1);
    const [c] = main.clicks();
    expect(c).toMatchObject({ tracking_id: 'lt_seed_0000001', ip_address: '127.0.0.0', user_agent: 'Firefox 121; Linux', metadata: { utm_source: 'e2e' } });
    await until('the outbox to mark it shipped', () => s.clicks()[0]?.state === 'shipped');
  });

  it('an inactive link in the main system answers 404', async () => {
    expect((await fetch(`${s.base}/track/lt_seed_0000010`, { redirect: 'manual' })).status).toBe(404);
  });

  it('a link created after the last sync is found by a miss lookup, once', async () => {
    main.setLink({ tracking_id: 'lt_brand_new', original_url: 'https://example.com/new', is_active: true });
    const before = main.requestLog.count('analytics');
    expect((await fetch(`${s.base}/track/lt_brand_new`, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${s.base}/track/lt_brand_new`, { redirect: 'manual' })).status).toBe(302);
    expect(main.requestLog.count('analytics') - before).toBe(1);
  });

  it('clicks recorded while the main system is down are delivered when it is back', async () => {
    await main.setDown(true);
    for (let i = 0; i < 5; i++) expect((await fetch(`${s.base}/track/lt_seed_0000002`, { redirect: 'manual' })).status).toBe(302);
    await until('a failed shipment while it is down', () => s.logs.some((l) => l.event === 'ship_retry'));
    await main.setDown(false);
    await until('the backlog to drain', () => main.clicks().filter((c) => c.tracking_id === 'lt_seed_0000002').length === 5, 20_000);
  });

  it('status --json names the native uWS build, the mirror and the outbox', async () => {
    const st = JSON.parse(await cli('status', '--json')) as Record<string, Record<string, unknown>>;
    expect(st.server!.running).toBe(true);
    expect((st.server!.uws_build as { native: boolean }).native).toBe(true);
    expect(st.mirror!.links).toBeGreaterThanOrEqual(20);
    expect(st.mirror!.last_sync).toMatch(/^\d{4}-/);
    for (const key of ['pending', 'shipped', 'dead_letter', 'oldest_pending']) expect(st.outbox).toHaveProperty(key);
    expect(st.shipper).toHaveProperty('last_success');
  });

  it('clickrelay sync picks up a removed link, and the running serve follows', async () => {
    main.removeLink('lt_seed_0000003');
    expect(await cli('sync')).toMatch(/1 removed/);
    await until('serve to reload the replaced mirror', async () => (await fetch(`${s.base}/track/lt_seed_0000003`, { redirect: 'manual' })).status === 404);
  });

  it('ship --once exits 0 when nothing is pending, and the audit passes', async () => {
    // A running serve ships this folder's clicks itself and holds its lock (fs/data-dir-lock.ts):
    // a second shipper beside it would send every click twice, so ship --once asks the serve's
    // own shipper (its admin listener). Once the serve is stopped, ship --once ships by itself,
    // as here (the serve is the last thing this file uses; afterAll's stop is then a no-op).
    expect(await cli('ship', '--once', '--timeout', '10')).toMatch(/0 still pending/);
    await s.stop();
    expect(await cli('ship', '--once', '--timeout', '10')).toMatch(/0 still pending/);
    expect(await cli('audit')).toBeTruthy();
  });
});
