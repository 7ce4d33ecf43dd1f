/**
 * privacy.country_db in `serve`, on MMDB files written for the test (test/support/mmdb-writer.ts):
 * a click from an address in the operator's database gets its country; a new file renamed over
 * it is used for the next click without a restart (waited for on the service's own log line and
 * metric, never a sleep); a file of the wrong type stops the start with its code (exit 2 from
 * the CLI: a configuration mistake); a database older than privacy.country_db_max_age_days
 * warns once with CR_ERR_COUNTRY_DB_STALE; `status` and the status page show the database,
 * its age and its licence with the attribution. A gateway's referrer alone counts in
 * clickrelay_scanner_referrer_only_total and leaves the click a person's. With server.threads
 * = 2, serving thread 1 looks up in the operator's file too, and every thread's opt-out page
 * names it; replaced by a database of another kind, every thread's page names the new one and
 * its licence.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickrelayError } from '../../../src/errors.js';
import { assertBuilt, CLI } from '../../support/child-service.js';
import { dbipCountryFile, writeMmdb } from '../../support/mmdb-writer.js';
import { startTestService, type TestService } from '../../support/service.js';
import { readAcrossShards } from '../../support/shards.js';
import { waitFor } from '../../support/wait-for.js';
import { metricValue } from '../../support/metrics.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'cr-serve-country-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const DBIP_ATTRIBUTION = 'IP Geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0.';
const GEOLITE_ATTRIBUTION = 'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.';

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

async function withService(env: Record<string, string>, body: (svc: TestService) => Promise<void>): Promise<void> {
  const svc = await startTestService({ CLICKRELAY_PRIVACY_COUNTRY: 'country', CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1', ...env });
  try {
    await body(svc);
  } finally {
    await svc.stop();
  }
}

/** One click from `ip` (through the trusted local proxy); the stored record's metadata. */
async function clickFrom(svc: TestService, ip: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const before = svc.clicks().length;
  expect((await fetch(`${svc.base}/track/lt_test123456789`, { redirect: 'manual', headers: { 'x-forwarded-for': ip, 'user-agent': CHROME, ...headers } })).status).toBe(302);
  await svc.committed();
  const all = svc.clicks();
  expect(all.length).toBe(before + 1);
  return all.at(-1)!.click.metadata as Record<string, unknown>;
}

/** One GET on a connection of its own: the kernel spreads new connections over the serving threads. */
const getOnce = (svc: TestService, path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.get(`${svc.base}${path}`, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });

const metric = (svc: TestService, name: string): Promise<number | null> => metricValue(svc.admin, name);

describe('privacy.country_db', () => {
  it('uses the operator file, and a file renamed over it for the next click without a restart', async () => {
    const file = join(tmp, 'swap.mmdb');
    const first = daysAgo(3);
    writeFileSync(file, dbipCountryFile('GB', first));
    await withService({ CLICKRELAY_PRIVACY_COUNTRY_DB: file }, async (svc) => {
      expect(svc.logs.find((l) => l['event'] === 'country_db_loaded')).toMatchObject({ file, bundled: false, database_type: 'DBIP-Country-Lite' });
      expect(await metric(svc, 'clickrelay_country_db_build_timestamp_seconds')).toBe(Math.floor(first.getTime() / 1000));
      expect((await clickFrom(svc, '81.2.69.160'))['country']).toBe('GB');

      const second = daysAgo(1);
      writeFileSync(`${file}.part`, dbipCountryFile('IE', second));
      renameSync(`${file}.part`, file);
      await waitFor('the watcher to swap the new file in', () => svc.logs.some((l) => l['event'] === 'country_db_swapped'));
      expect(await metric(svc, 'clickrelay_country_db_build_timestamp_seconds')).toBe(Math.floor(second.getTime() / 1000));
      expect((await clickFrom(svc, '81.2.69.160'))['country']).toBe('IE');
      expect(svc.logs.some((l) => l['event'] === 'country_db_stale')).toBe(false);
    });
  }, 60_000);

  it('a database older than privacy.country_db_max_age_days warns once, naming what to do; the status page shows it with its licence', async () => {
    const file = join(tmp, 'old.mmdb');
    writeFileSync(file, dbipCountryFile('GB', daysAgo(45)));
    await withService({ CLICKRELAY_PRIVACY_COUNTRY_DB: file, CLICKRELAY_PRIVACY_COUNTRY_DB_MAX_AGE_DAYS: '30' }, async (svc) => {
      const stale = svc.logs.filter((l) => l['event'] === 'country_db_stale');
      expect(stale).toHaveLength(1);
      expect(stale[0]).toMatchObject({ code: 'CR_ERR_COUNTRY_DB_STALE', age_days: 45, max_age_days: 30 });
      expect(String(stale[0]!['msg'])).toMatch(/replace .*old\.mmdb with a current download/);
      const page = await (await fetch(`${svc.admin}/`)).text();
      expect(page).toContain('Country database');
      expect(page).toMatch(/45 days old — STALE \(more than 30 days\)/);
      expect(page).toContain('IP Geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0.');
    });
  }, 60_000);

  it('status (the built CLI) shows the database the running serve uses, its age, licence and attribution', async () => {
    assertBuilt();
    const file = join(tmp, 'status.mmdb');
    writeFileSync(file, dbipCountryFile('GB', daysAgo(10)));
    await withService({ CLICKRELAY_PRIVACY_COUNTRY_DB: file }, async (svc) => {
      const env = { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: svc.dataDir, CLICKRELAY_LOG_LEVEL: 'warn' };
      const json = JSON.parse((await run(process.execPath, [CLI, 'status', '--json'], { env, cwd: tmpdir() })).stdout) as { privacy: { country: Record<string, unknown> } };
      expect(json.privacy.country).toMatchObject({ file, bundled: false, database_type: 'DBIP-Country-Lite', age_days: 10, stale: false, licence: 'CC BY 4.0', attribution: DBIP_ATTRIBUTION });
      const text = (await run(process.execPath, [CLI, 'status'], { env, cwd: tmpdir() })).stdout;
      expect(text).toMatch(/country +operator file .*status\.mmdb \(DBIP-Country-Lite\), built \d{4}-\d\d-\d\d, 10 days old/);
      expect(text).toContain(DBIP_ATTRIBUTION);
    });
  }, 60_000);

  it('a file of the wrong type stops the start with CR_ERR_COUNTRY_DB_TYPE (exit 2 from the CLI)', async () => {
    const file = join(tmp, 'city.mmdb');
    writeFileSync(file, writeMmdb({ databaseType: 'GeoLite2-City', ipVersion: 6, builtAt: daysAgo(2), networks: [['81.2.69.0/24', { city: { names: { en: 'London' } } }]] }));
    const err = await startTestService({ CLICKRELAY_PRIVACY_COUNTRY: 'country', CLICKRELAY_PRIVACY_COUNTRY_DB: file }).then(
      (svc) => svc.stop().then(() => null),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClickrelayError);
    expect((err as ClickrelayError).code).toBe('CR_ERR_COUNTRY_DB_TYPE');

    assertBuilt();
    const r = await run(process.execPath, [CLI, 'serve'], { env: { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: join(tmp, 'cli-data'), CLICKRELAY_PRIVACY_COUNTRY: 'country', CLICKRELAY_PRIVACY_COUNTRY_DB: file, CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0' }, cwd: tmpdir() }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CR_ERR_COUNTRY_DB_TYPE: country database .*city\.mmdb is a "GeoLite2-City" database, not a country one/);
  }, 60_000);

  it("a gateway's referrer alone leaves the click a person's and is counted", async () => {
    await withService({}, async (svc) => {
      expect(await metric(svc, 'clickrelay_scanner_referrer_only_total')).toBe(0);
      const m = await clickFrom(svc, '81.2.69.160', { referer: 'https://nam12.safelinks.protection.outlook.com/?url=x' });
      expect(m['scanner'] ?? null).toBeNull();
      expect(await metric(svc, 'clickrelay_scanner_referrer_only_total')).toBe(1);
      await clickFrom(svc, '81.2.69.161');
      expect(await metric(svc, 'clickrelay_scanner_referrer_only_total')).toBe(1);
    });
  }, 60_000);

  it('with server.threads = 2, serving thread 1 uses the operator file too, and every opt-out page names it', async () => {
    const file = join(tmp, 'threads.mmdb');
    writeFileSync(file, dbipCountryFile('IS', daysAgo(2))); // the bundled database does not say IS for this range
    await withService({ CLICKRELAY_PRIVACY_COUNTRY_DB: file, CLICKRELAY_SERVER_THREADS: '2' }, async (svc) => {
      await waitFor(
        'a click stored by serving thread 1 (shard 1)',
        async () => {
          expect((await getOnce(svc, '/track/lt_test123456789', { 'x-forwarded-for': '81.2.69.160', 'user-agent': CHROME })).status).toBe(302);
          await svc.committed();
          return readAcrossShards(svc.dataDir).clicks.some((c) => c.shard === 1);
        },
        { timeoutMs: 30_000 },
      );
      const stored = readAcrossShards(svc.dataDir).clicks;
      expect(stored.map((c) => (c.click.metadata as Record<string, unknown>)['country'])).toEqual(stored.map(() => 'IS'));
      for (let i = 0; i < 10; i++) expect((await getOnce(svc, '/privacy/opt-out')).body).toContain(DBIP_ATTRIBUTION);
    });
  }, 60_000);

  it('with server.threads = 2, a file of another kind renamed over it is what every thread\'s opt-out page names from then on', async () => {
    const file = join(tmp, 'kind.mmdb');
    writeFileSync(file, dbipCountryFile('IS', daysAgo(2)));
    await withService({ CLICKRELAY_PRIVACY_COUNTRY_DB: file, CLICKRELAY_SERVER_THREADS: '2' }, async (svc) => {
      expect((await getOnce(svc, '/privacy/opt-out')).body).toContain(DBIP_ATTRIBUTION);

      // Another publisher's database, with another licence and attribution.
      writeFileSync(`${file}.part`, writeMmdb({ databaseType: 'GeoLite2-Country', ipVersion: 6, builtAt: daysAgo(1), networks: [['81.2.69.0/24', { country: { iso_code: 'NO' } }]] }));
      renameSync(`${file}.part`, file);
      // Logged once every serving thread has the new database in use.
      await waitFor('the swap to be logged', () => svc.logs.some((l) => l['event'] === 'country_db_swapped'), { timeoutMs: 30_000 });
      expect(svc.logs.find((l) => l['event'] === 'country_db_swapped')).toMatchObject({ file, database_type: 'GeoLite2-Country', threads: 2 });

      // 20 fresh connections: the kernel spreads them over both threads (all on one: 2^-19).
      // Both variants of the page, a visitor opted out or not.
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => getOnce(svc, '/privacy/opt-out', i % 2 === 1 ? { cookie: 'clickrelay_opt_out=1' } : {})));
      const named = answers.map((a) => ({ status: a.status, geolite: a.body.includes(GEOLITE_ATTRIBUTION), dbip: a.body.includes('DB-IP') }));
      expect(named).toEqual(answers.map(() => ({ status: 200, geolite: true, dbip: false })));
      expect((await getOnce(svc, '/privacy/opt-in')).body).toContain(GEOLITE_ATTRIBUTION);
    });
  }, 60_000);
});
