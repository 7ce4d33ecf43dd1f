/**
 * A shipper process SIGKILLed after the main system stored a batch but before the outbox
 * recorded it as shipped: on restart the batch is sent again and the main system keeps one
 * copy of each click. Real child processes running built code, a real outbox file, the real
 * reference main system.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { buildShipper, type Build } from './build.js';
import { API_KEY, clicks, openOutbox, record, removeDir, storedIds, tempDir } from './helpers.js';
import { startProxy, type Held, type Proxy } from './proxy.js';

const CHILD = fileURLToPath(new URL('./fixtures/ship-child.mjs', import.meta.url));
let build: Build;
let ms: RefMainSystem | null = null;
let proxy: Proxy | null = null;
let dir = '';

beforeAll(() => {
  build = buildShipper();
}, 120_000);
afterAll(() => build?.remove());

afterEach(async () => {
  await proxy?.close();
  await ms?.close();
  proxy = ms = null;
  if (dir) removeDir(dir);
});

function spawnChild(env: Record<string, string>): ChildProcess {
  return fork(CHILD, [build.shipper, build.outbox, build.sink, build.apiKey], {
    env: { ...process.env, DATA_DIR: dir, API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })));
}

async function seed(n: number) {
  const outbox = await openOutbox(dir);
  const cs = clicks(n);
  await record(outbox, cs);
  await outbox.close();
  return cs;
}

async function restartAndDrain(baseUrl: string) {
  const child = spawnChild({ BASE_URL: baseUrl });
  const r = await exited(child);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as { pending: number; dead_letter: number; stats: { shipped: number; duplicates: number } };
}

describe('a shipper killed between the main system storing a batch and the local acknowledgement', () => {
  it('resends the batch on restart and the main system keeps exactly one copy (killed while the answer is on its way)', async () => {
    dir = tempDir();
    const main = (ms = await startRefMainSystem({ apiKey: API_KEY }));
    const px = (proxy = await startProxy(main.url));
    const cs = await seed(250);
    const first = spawnChild({ BASE_URL: px.url, BATCH_SIZE: '100' });
    const done = exited(first);
    // The main system has stored a batch; its answer is held back and the process dies.
    const held = await new Promise<Held>((resolve) => (px.hold = resolve));
    expect(main.clickCount()).toBeGreaterThanOrEqual(held.ids.length);
    first.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    held.drop();
    px.hold = null;
    const stored = main.clickCount();
    expect(stored).toBeGreaterThan(0);

    const res = await restartAndDrain(main.url);
    expect(res.pending).toBe(0);
    expect(res.dead_letter).toBe(0);
    expect(res.stats.duplicates).toBe(stored);
    const { ids, rows } = storedIds(main);
    expect(rows).toBe(250);
    expect(ids).toEqual(new Set(cs.map((c) => c.click_id)));
  }, 60_000);

  it('resends the batch on restart and the main system keeps exactly one copy (killed with the answer in hand, before ackShipped)', async () => {
    dir = tempDir();
    const main = (ms = await startRefMainSystem({ apiKey: API_KEY }));
    const cs = await seed(300);
    const first = spawnChild({ BASE_URL: main.url, CRASH_AT: 'ack', BATCH_SIZE: '100' });
    const done = exited(first);
    await new Promise<void>((resolve) => first.once('message', () => resolve()));
    first.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const stored = main.clickCount();
    expect(stored).toBeGreaterThanOrEqual(100);

    const res = await restartAndDrain(main.url);
    expect(res).toMatchObject({ pending: 0, dead_letter: 0 });
    // every click the dead process had delivered came back as a duplicate, and only those
    expect(res.stats.duplicates).toBe(stored);
    expect(res.stats.shipped).toBe(300);
    const { ids, rows } = storedIds(main);
    expect(rows).toBe(300);
    expect(ids).toEqual(new Set(cs.map((c) => c.click_id)));
  }, 60_000);
});
