/**
 * privacy.country_db replaced without a restart under server.threads = 2 (#24 with #22), on the
 * built CLI as a real process: a file renamed over the configured one, once the main thread
 * has checked it and logged the swap, is what both serving threads look up in (clicks stored
 * in both outbox shards carry the new country); a damaged replacement is refused and both
 * threads keep the database before it. The metric and the status page follow the database in
 * use. Clicks land on both threads because each is sent on a new connection, which the kernel
 * spreads over the SO_REUSEPORT listeners; the test waits for a click in each shard.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { dbipCountryFile } from '../../support/mmdb-writer.js';
import { readAcrossShards } from '../../support/shards.js';
import { waitFor } from '../../support/wait-for.js';
import { metricValue } from '../../support/metrics.js';

beforeAll(() => assertBuilt());
const tmp = mkdtempSync(join(tmpdir(), 'cr-country-threads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
/** In 81.2.69.0/24, which the test files say IS or NO for (the bundled database says neither). */
const IP = '81.2.69.160';

/** Whole seconds: an MMDB's build_epoch is in seconds. */
const daysAgo = (n: number) => new Date(Math.floor((Date.now() - n * 86_400_000) / 1000) * 1000);

/** One click on a connection of its own (no agent): the kernel spreads new connections over the threads. */
function clickOnce(port: number, tag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/track/lt_country?utm_content=${tag}`, agent: false, headers: { 'user-agent': UA, 'x-forwarded-for': IP, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** Clicks tagged `phase-…`, 8 at a time, until both shards hold some; the countries stored for them, by shard ("shard 0": ["IS"]). */
async function countriesOnBothShards(port: number, data: string, phase: string): Promise<Record<string, unknown[]>> {
  let round = 0;
  const byShard = new Map<number, Set<unknown>>();
  await waitFor(
    `clicks of phase "${phase}" stored by both serving threads`,
    async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => clickOnce(port, `${phase}-${round}-${i}`)));
      round++;
      expect(statuses.filter((s) => s !== 302)).toEqual([]);
      byShard.clear();
      for (const c of readAcrossShards(data).clicks) {
        const m = c.click.metadata as Record<string, unknown>;
        if (!String(m['utm_content']).startsWith(`${phase}-`)) continue;
        if (!byShard.has(c.shard)) byShard.set(c.shard, new Set());
        byShard.get(c.shard)!.add(m['country']);
      }
      return byShard.has(0) && byShard.has(1);
    },
    { timeoutMs: 60_000, stepMs: 50 },
  );
  return Object.fromEntries([...byShard].sort(([a], [b]) => a - b).map(([shard, codes]) => [`shard ${shard}`, [...codes]]));
}

const logLines = (child: Child, event: string): Record<string, unknown>[] =>
  child
    .output()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const buildMetric = (admin: number): Promise<number | null> => metricValue(`http://127.0.0.1:${admin}`, 'clickrelay_country_db_build_timestamp_seconds');

describe('privacy.country_db replaced under server.threads = 2', () => {
  it('both threads answer from an accepted replacement; a damaged one is refused and both keep the one before', async () => {
    const file = join(tmp, 'country.mmdb');
    const first = daysAgo(3);
    writeFileSync(file, dbipCountryFile('IS', first));
    const links = join(tmp, 'links.json');
    writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_country', original_url: 'https://example.com/', is_active: true }]));
    const [port, admin] = [await freePort(), await freePort()];
    const data = join(tmp, 'data');
    const child = runCli(['serve'], {
      CLICKRELAY_SERVER_PORT: String(port),
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_STORAGE_DATA_DIR: data,
      CLICKRELAY_SYNC_FILE: links,
      CLICKRELAY_SERVER_THREADS: '2',
      CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1',
      CLICKRELAY_PRIVACY_COUNTRY: 'country',
      CLICKRELAY_PRIVACY_COUNTRY_DB: file,
      CLICKRELAY_LOG_LEVEL: 'info', // country_db_swapped and country_db_refused are what the test waits for
    });
    try {
      await waitReady(admin, child, 60_000); // two threads start slower on a loaded machine
      expect(await buildMetric(admin)).toBe(first.getTime() / 1000);
      expect(await countriesOnBothShards(port, data, 'before')).toEqual({ 'shard 0': ['IS'], 'shard 1': ['IS'] });

      // A new download renamed over the file: logged once every thread has it in use.
      const second = daysAgo(1);
      writeFileSync(`${file}.part`, dbipCountryFile('NO', second));
      renameSync(`${file}.part`, file);
      await waitFor('the swap to be logged', () => logLines(child, 'country_db_swapped').length === 1, { timeoutMs: 30_000 });
      expect(logLines(child, 'country_db_swapped')[0]).toMatchObject({ file, built_at: second.toISOString(), threads: 2 });
      expect(await buildMetric(admin)).toBe(second.getTime() / 1000);
      expect(await (await fetch(`http://127.0.0.1:${admin}/`)).text()).toContain(`built ${second.toISOString().slice(0, 10)}, 1 days old`);
      expect(await countriesOnBothShards(port, data, 'swapped')).toEqual({ 'shard 0': ['NO'], 'shard 1': ['NO'] });

      // A damaged copy (cut in half: no metadata) renamed over it: refused on the main thread, kept out of every thread.
      const good = readFileSync(file);
      writeFileSync(`${file}.part`, good.subarray(0, good.length >> 1));
      renameSync(`${file}.part`, file);
      await waitFor('the damaged replacement to be refused', () => logLines(child, 'country_db_refused').length === 1, { timeoutMs: 30_000 });
      expect(logLines(child, 'country_db_refused')[0]).toMatchObject({ code: 'CR_ERR_COUNTRY_DB_REPLACEMENT', file });
      expect(logLines(child, 'country_db_swapped')).toHaveLength(1);
      expect(await buildMetric(admin)).toBe(second.getTime() / 1000);
      expect(await countriesOnBothShards(port, data, 'refused')).toEqual({ 'shard 0': ['NO'], 'shard 1': ['NO'] });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${child.output()}`);
    } finally {
      child.proc.kill('SIGTERM');
      expect(await child.exited, child.output()).toBe(0);
    }
  }, 180_000);
});
