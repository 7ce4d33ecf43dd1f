import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import type { MirrorError } from '../../../src/mirror/errors.js';
import { Mirror } from '../../../src/mirror/mirror.js';
import { fileIdentity, mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { peekSyncState } from '../../../src/mirror/store/mirror-reader.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { waitFor } from '../../support/wait-for.js';
import { API_KEY, fileFacts, links, mirrorConfig, removeTempDirs, tempDir, openMirror as openMirrorFromConfig, runSync, type TestMirrorConfig as MirrorConfig } from './helpers.js';

const REGISTER = fileURLToPath(new URL('../../support/ref-main-system/register.mjs', import.meta.url));
const SYNC_ONCE = fileURLToPath(new URL('./fixtures/sync-once.ts', import.meta.url));

let ms: RefMainSystem;
let dir: string;
let cfg: MirrorConfig;
const mirrors: Mirror[] = [];
beforeEach(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY });
  dir = tempDir();
  // a schedule that will not fire during a test: only the start-up sync runs
  cfg = mirrorConfig(dir, { main_system: { base_url: ms.url }, sync: { schedule: '0 0 1 1 *', page_size: 2 } });
});
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.stop();
  await ms.close();
});
afterAll(removeTempDirs);

async function openMirror(over: Partial<Parameters<typeof openMirrorFromConfig>[0]> = {}): Promise<Mirror> {
  const m = await openMirrorFromConfig({ config: cfg, apiKey: new ApiKey(API_KEY, 'test'), ...over });
  mirrors.push(m);
  return m;
}

function syncProcess(config: MirrorConfig): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', REGISTER, SYNC_ONCE, JSON.stringify(config)], {
    env: { ...process.env, CLICKRELAY_MAIN_SYSTEM_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}

describe('serve: the mirror in a running service', () => {
  it('syncs once at start and serves lookups from memory', async () => {
    ms.addLinks(links(5));
    const m = await openMirror();
    m.start();
    await waitFor('lt_0004 in the served index', () => m.lookup('lt_0004') !== undefined);
    expect(m.lastResult).toMatchObject({ changed: true, added: 5 });
  });

  it('loads an existing mirror.db at start, before any sync', async () => {
    ms.addLinks(links(3));
    await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') });
    const reloads: unknown[] = [];
    const m = await openMirror({ hooks: { onReload: (i) => reloads.push(i) } });
    expect(m.lookup('lt_0002')).toBeDefined();
    expect(reloads).toEqual([expect.objectContaining({ links: 3, reason: 'startup' })]);
  });

  it('picks up a mirror.db replaced by `clickrelay sync` in another process', async () => {
    ms.addLinks(links(3));
    const reloads: Array<{ reason: string; links: number }> = [];
    const m = await openMirror({ hooks: { onReload: (i) => reloads.push(i) } });
    m.start();
    await waitFor('lt_0002 in the served index', () => m.lookup('lt_0002') !== undefined);
    ms.setLink({ tracking_id: 'lt_from_cli', original_url: 'https://example.com/cli' });
    const { done } = syncProcess(cfg);
    const { code, out } = await done;
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ changed: true, added: 1 });
    await waitFor('the link synced by the CLI in the served index', () => m.lookup('lt_from_cli') !== undefined);
    expect(reloads.at(-1)).toMatchObject({ reason: 'replaced', links: 4 });
  });

  it('also notices a replaced mirror.db by checking its identity (when fs.watch is silent)', async () => {
    ms.addLinks(links(2));
    const m = await openMirror();
    await m.sync();
    expect(m.checkReplaced()).toBe(false); // our own swap is not "replaced"
    ms.setLink({ tracking_id: 'lt_other', original_url: 'https://example.com/other' });
    await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') }); // as another process would
    expect(m.checkReplaced()).toBe(true);
    await m.reload();
    expect(m.lookup('lt_other')).toBeDefined();
  });

  it('moves an unreadable mirror.db aside, starts empty and rebuilds it with the next sync', async () => {
    ms.addLinks(links(2));
    writeFileSync(mirrorPath(dir), 'this is not a database, just bytes '.repeat(200));
    const corrupt: Array<string | null> = [];
    const m = await openMirror({ hooks: { onCorrupt: (_e, to) => corrupt.push(to) } });
    expect(corrupt).toHaveLength(1);
    expect(corrupt[0]).toMatch(/mirror\.db\.corrupt-/);
    expect(m.holder.size).toBe(0);
    await m.sync();
    expect(m.lookup('lt_0001')).toBeDefined();
  });

  it('stop() aborts a sync in progress, keeping the old mirror and no temp file', async () => {
    ms.addLinks(links(10));
    const m = await openMirror();
    await m.sync();
    const before = fileFacts(mirrorPath(dir));
    ms.setLink({ tracking_id: 'lt_z', original_url: 'https://example.com/z' });
    ms.faults.slowMs = { routes: ['links'], skip: 2, ms: 1_500 };
    ms.requestLog.clear();
    const p = m.sync().catch((e: MirrorError) => e);
    // The child compiles its TypeScript at start: ~20 s alone on a busy machine.
    await waitFor('page 3 requested', () => ms.requestLog.count('links') >= 3, { timeoutMs: 90_000 });
    const t0 = Date.now();
    await m.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(((await p) as MirrorError).code).toBe('CR_ERR_MIRROR_ABORTED');
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('reports sync outcomes through the hooks', async () => {
    ms.addLinks(links(2));
    const seen: string[] = [];
    const m = await openMirror({ hooks: { onSync: (r) => seen.push(`ok:${r.changed}`), onSyncError: (e) => seen.push(`err:${e.code}`) } });
    await m.sync();
    await m.sync();
    ms.faults.unauthorized = true;
    await m.sync().catch(() => undefined);
    expect(seen).toEqual(['ok:true', 'ok:false', 'err:CR_ERR_MIRROR_AUTH']);
  });
});

describe('a sync process killed midway (SIGKILL)', () => {
  it('leaves the old mirror intact; the next sync cleans its temp file up', async () => {
    ms.addLinks(links(10));
    await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') });
    const before = fileFacts(mirrorPath(dir));
    const identity = fileIdentity(mirrorPath(dir));
    ms.setLink({ tracking_id: 'lt_never', original_url: 'https://example.com/never' });
    ms.faults.slowMs = { routes: ['links'], skip: 2, ms: 10_000 }; // page 3 hangs
    ms.requestLog.clear();
    const { child, done } = syncProcess(cfg);
    await waitFor('page 3 requested', () => ms.requestLog.count('links') >= 3);
    await waitFor('the temp file of the build', () => readdirSync(dir).some((n) => n.startsWith('mirror.db.tmp-')));
    const tmp = readdirSync(dir).find((n) => n.startsWith('mirror.db.tmp-'));
    expect(tmp).toBe(`mirror.db.tmp-${child.pid}`); // it was mid-build
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
    expect(fileIdentity(mirrorPath(dir))).toBe(identity);
    expect(peekSyncState(mirrorPath(dir))?.links).toBe(10);
    ms.faults.slowMs = 0;
    const r = await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') });
    expect(r).toMatchObject({ changed: true, added: 1 });
    expect(existsSync(join(dir, tmp!))).toBe(false);
    // Its SQLite companions too (a -journal was seen left behind, #26).
    expect(readdirSync(dir).filter((n) => n.startsWith('mirror.db.tmp-'))).toEqual([]);
  }, 150_000);
});
