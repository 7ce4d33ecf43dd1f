/**
 * server.threads = 2 on real processes (#22): two serving threads on one port, an outbox shard
 * each, and what must stay one for the service staying one: every answered click stored once,
 * one session_id per visitor whichever thread answers, a rate limit that admits the configured
 * rate (not twice it), one serve per port.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, waitReady, type Child } from '../support/child-service.js';
import { readAcrossShards, storedTags } from '../support/shards.js';

beforeAll(() => assertBuilt());

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

/** One GET on a connection of its own (no agent): the kernel spreads new connections over the threads. */
function getOnce(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { 'user-agent': UA, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function startServe(extra: Record<string, string> = {}): Promise<{ child: Child; port: number; admin: number; data: string; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-threads-'));
  const links = join(dir, 'links.json');
  writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_threads', original_url: 'https://example.com/', is_active: true }]));
  const [port, admin] = [await freePort(), await freePort()];
  const env = {
    CLICKRELAY_SERVER_PORT: String(port),
    CLICKRELAY_ADMIN_PORT: String(admin),
    CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
    CLICKRELAY_SYNC_FILE: links,
    CLICKRELAY_SERVER_THREADS: '2',
    CLICKRELAY_LOG_LEVEL: 'warn',
    ...extra,
  };
  const child = runCli(['serve'], env);
  await waitReady(admin, child, 60_000); // two threads start slower on a loaded machine
  return { child, port, admin, data: join(dir, 'data'), env };
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  expect(await child.exited, child.output()).toBe(0);
}

describe('server.threads = 2', () => {
  it('every answered click is stored exactly once across the shards, both threads serve, and one visitor has one session_id', async () => {
    const { child, port, data } = await startServe();
    const answered: string[] = [];
    // 8 at a time, each on a new connection: both threads get connections.
    for (let round = 0; round < 25; round++) {
      const marks = Array.from({ length: 8 }, (_, i) => `r${round}i${i}`);
      const statuses = await Promise.all(marks.map((m) => getOnce(port, `/track/lt_threads?utm_content=${m}`)));
      marks.forEach((m, i) => statuses[i] === 302 && answered.push(m));
    }
    await stop(child);
    expect(answered.length).toBe(200);

    const { tags, twice, perShard, violations } = storedTags(data, 'utm_content');
    expect(answered.filter((m) => !tags.has(m)), 'answered but not stored').toEqual([]);
    expect(twice, 'stored twice').toEqual([]);
    expect(tags.size).toBe(200);
    expect(violations).toEqual([]);
    expect(perShard.get(0), 'thread 0 stored clicks').toBeGreaterThan(0);
    expect(perShard.get(1), 'thread 1 stored clicks').toBeGreaterThan(0);

    // The same visitor (address prefix, user agent, day) on both threads: one session.
    const sessions = new Set(readAcrossShards(data).clicks.map((c) => c.click.session_id));
    expect([...sessions].length, `session ids: ${[...sessions].join(', ')}`).toBe(1);
    expect([...sessions][0]).toMatch(/^s_[0-9a-f]+$/);
  }, 90_000);

  it('a global rate limit admits the configured rate across both threads, not twice it', async () => {
    const BURST = 20;
    const RATE = 1;
    const { child, port, data } = await startServe({ CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: String(RATE), CLICKRELAY_SERVER_RATE_LIMIT_BURST: String(BURST) });
    const started = Date.now();
    const statuses: number[] = [];
    for (let round = 0; round < 12; round++) {
      statuses.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => getOnce(port, `/track/lt_threads?utm_content=q${round}i${i}`)))));
    }
    // What one bucket may admit in the time the requests took (elapsed time is the thing measured here).
    const allowed = BURST + Math.ceil(((Date.now() - started) / 1000) * RATE);
    await stop(child);
    const admitted = statuses.filter((s) => s === 302).length;
    expect(statuses.filter((s) => s !== 302 && s !== 429), 'only redirects and 429s').toEqual([]);
    expect(admitted, 'at least the burst').toBeGreaterThanOrEqual(BURST);
    expect(admitted, `at most one bucket's worth (${allowed}), not one per thread`).toBeLessThanOrEqual(allowed);
    // The admitted clicks were answered by both threads: each shard holds some.
    const { perShard } = storedTags(data, 'utm_content');
    expect(perShard.get(0)! + perShard.get(1)!).toBe(admitted);
  }, 90_000);

  it('a second serve on the same port is refused with a coded line; a SIGKILLed serve leaves nothing blocking', async () => {
    const first = await startServe();
    const dir2 = mkdtempSync(join(tmpdir(), 'cr-threads-2-'));
    const second = runCli(['serve'], { ...first.env, CLICKRELAY_ADMIN_PORT: String(await freePort()), CLICKRELAY_STORAGE_DATA_DIR: join(dir2, 'data') });
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toMatch(/^clickrelay: CR_ERR_PORT_TAKEN: .*127\.0\.0\.1:\d+/m);

    // The first still serves alone.
    expect(await getOnce(first.port, '/track/lt_threads?utm_content=after')).toBe(302);
    first.child.proc.kill('SIGKILL');
    expect(await first.child.exited).toBeNull();

    // Killed: the kernel dropped the lock with the process; the port is free for the next serve.
    const admin3 = await freePort();
    const third = runCli(['serve'], { ...first.env, CLICKRELAY_ADMIN_PORT: String(admin3), CLICKRELAY_STORAGE_DATA_DIR: join(dir2, 'data') });
    await waitReady(admin3, third, 60_000); // two threads start slower on a loaded machine
    expect(await getOnce(first.port, '/track/lt_threads?utm_content=third')).toBe(302);
    await stop(third);
  }, 90_000);
});
