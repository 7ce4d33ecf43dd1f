/**
 * A serving thread that dies (server.threads = 2) is logged with its code and restarted; its
 * outbox shard is reopened, serves clicks again, and the shipper ships them (#22). In process,
 * so the test can make thread 1 throw (the `crash` message: an uncaught error, as a bug's).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { startTestService, type TestService } from '../../support/service.js';
import { readAcrossShards } from '../../support/shards.js';
import { waitFor } from '../../support/wait-for.js';

const API_KEY = 'threads-key-0123456789abcdef';
const LINK = { tracking_id: 'lt_threads_ship', original_url: 'https://example.com/ship', is_active: true };

/** One GET on a connection of its own: the kernel spreads new connections over the threads. */
function getOnce(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

let ms: RefMainSystem;
let svc: TestService;

beforeAll(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY });
  ms.addLinks([LINK]);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'cr-threads-key-')), 'api-key');
  writeFileSync(keyFile, API_KEY, { mode: 0o600 });
  svc = await startTestService({
    CLICKRELAY_SERVER_THREADS: '2',
    CLICKRELAY_MAIN_SYSTEM_BASE_URL: ms.url,
    CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile,
    CLICKRELAY_SHIPPER_LINGER_MS: '0',
  });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await ms?.close();
});

describe('a serving thread that dies', () => {
  it('is logged with CR_ERR_SERVING_THREAD_DIED, restarted, and its shard serves and ships again', async () => {
    const serving = svc.service.serving!;
    const thread = serving.threads[0]!;
    const before = thread.worker;
    // Asked between its exit and its restart (this listener runs after the one that schedules
    // the restart), a dead thread must not leave a /metrics scrape or a TLS reload waiting.
    const inTheGap = new Promise<{ scraped: unknown[][]; reloaded: boolean; restarted: boolean }>((resolve) =>
      before.once('exit', () => {
        void Promise.all([serving.scrape(), serving.reloadTls().then(() => true)]).then(([scraped, reloaded]) => resolve({ scraped, reloaded, restarted: thread.worker !== before }));
      }),
    );
    thread.post({ kind: 'crash' });
    expect(await inTheGap).toEqual({ scraped: [[]], reloaded: true, restarted: false });
    await waitFor('the death logged with its code', () => svc.logs.some((l) => l.event === 'serving_thread_died' && l.code === 'CR_ERR_SERVING_THREAD_DIED' && l.thread === 1));
    await waitFor('a new thread 1', () => thread.worker !== before);

    // Clicks on fresh connections until shard 1 (the restarted thread's) holds some.
    let n = 0;
    const sent: string[] = [];
    await waitFor(
      'a click stored in shard 1 by the new thread',
      async () => {
        const mark = `after${n++}`;
        if ((await getOnce(svc.base, `/track/${LINK.tracking_id}?utm_content=${mark}`)) === 302) sent.push(mark);
        return readAcrossShards(svc.dataDir).clicks.some((c) => c.shard === 1 && c.click.metadata.utm_content?.startsWith('after'));
      },
      { timeoutMs: 30_000 },
    );
    // Every answered click reaches the main system, shard 1's through its new writer.
    await waitFor('every click shipped', () => sent.every((m) => ms.clicks().some((c) => (c.metadata as Record<string, unknown> | null)?.utm_content === m)), { timeoutMs: 30_000 });
    const shard1 = readAcrossShards(svc.dataDir).clicks.filter((c) => c.shard === 1 && c.click.metadata.utm_content?.startsWith('after'));
    expect(shard1.length).toBeGreaterThan(0);
    await waitFor('shard 1 acknowledged', () => readAcrossShards(svc.dataDir).clicks.filter((c) => c.shard === 1).every((c) => c.state === 'shipped'));
  }, 90_000);
});

describe('a stop while a serving thread is down', () => {
  it('does not wait for the dead thread: SIGTERM between its exit and its restart stops the service', async () => {
    const thread = svc.service.serving!.threads[0]!;
    const before = thread.worker;
    const stopped = new Promise<void>((resolve, reject) => before.once('exit', () => void svc.stop().then(resolve, reject)));
    thread.post({ kind: 'crash' });
    await stopped;
    expect(thread.worker).toBe(before); // stopped in the gap: never restarted
  }, 60_000);
});
