/**
 * A really full data folder (a small tmpfs filled to ENOSPC), issue #12:
 * - `serve` restarted while the disk is full starts and redirects (fail-open) or answers 503
 *   with /readyz not ready (fail-closed), says so with CR_ERR_OUTBOX_WRITE, and records again
 *   by itself once there is room;
 * - while SQLite still commits into space its files already hold, outbox.head keeps in step
 *   (it is rewritten in place), so a tail cut in that window is still visible to the audit.
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead, writeHead } from '../../../src/outbox/head.js';
import { assertBuilt, runCli, serveEnv, waitReady, type Child } from '../../support/child-service.js';
import { mountTmpfs, skipWithoutTmpfs } from '../../support/tmpfs.js';
import { waitFor } from '../../support/wait-for.js';
import { click, openOutbox, recordAll } from '../../unit/outbox/helpers.js';
import { cli } from '../audit/cli.js';

const fs = mountTmpfs(4096);
const skip = skipWithoutTmpfs(fs);
const tmp = typeof fs === 'string' ? null : fs;

afterAll(() => tmp?.unmount());

describe.skipIf(skip)('serve restarted on a full data folder', () => {
  let links = '';
  let n = 0;
  beforeAll(() => {
    assertBuilt();
    links = join(tmp!.dir, '..', `cr-full-links-${process.pid}.json`);
    writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_full', original_url: 'https://example.com/', is_active: true }]));
  });

  async function serve(dataDir: string, more: Record<string, string> = {}) {
    // One serving thread: `audit` below counts outbox.db, and a 4 MiB disk holds one shard's files
    // (several threads' shards on a full disk: the shard set of #22).
    const env = await serveEnv(dataDir, links, { CLICKRELAY_SERVER_THREADS: '1', ...more });
    const child = runCli(['serve'], env);
    const base = `http://127.0.0.1:${env.CLICKRELAY_SERVER_PORT}`;
    const admin = `http://127.0.0.1:${env.CLICKRELAY_ADMIN_PORT}`;
    return { child, base, admin, adminPort: Number(env.CLICKRELAY_ADMIN_PORT) };
  }

  const track = async (base: string) => (await fetch(`${base}/track/lt_full`, { redirect: 'manual' })).status;
  const metric = async (admin: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${admin}/metrics`)).text())?.[1]);

  /** A data folder with a mirror and 20 clicks, made while the disk had room. */
  async function seeded(): Promise<string> {
    const dir = join(tmp!.dir, `data-${++n}`);
    const s = await serve(dir);
    await waitReady(s.adminPort, s.child);
    for (let i = 0; i < 20; i++) expect(await track(s.base)).toBe(302);
    s.child.proc.kill('SIGTERM');
    expect(await s.child.exited).toBe(0);
    return dir;
  }

  const until = (what: string, ok: () => Promise<boolean>, timeoutMs = 20_000) => waitFor(what, ok, { timeoutMs, stepMs: 100 });

  async function stop(c: Child): Promise<void> {
    c.proc.kill('SIGTERM');
    expect(await c.exited, c.output()).toBe(0);
  }

  it('fail-open: starts, redirects, counts and logs the lost clicks, and records again once there is room', async () => {
    const dir = await seeded();
    tmp!.fill();
    try {
      const s = await serve(dir);
      await waitReady(s.adminPort, s.child); // before the fix: exit 1 with a stack trace
      expect(await track(s.base)).toBe(302);
      expect(await metric(s.admin, 'clickrelay_click_write_errors_total')).toBeGreaterThan(0);
      expect(s.child.output()).toMatch(/"event":"outbox_unavailable","code":"CR_ERR_OUTBOX_WRITE"/);
      tmp!.free();
      await until('a click is recorded again', async () => (await track(s.base)) === 302 && (await metric(s.admin, 'clickrelay_clicks_recorded_total')) > 0);
      await stop(s.child);
      const a = await cli(['audit', '--json'], { CLICKRELAY_STORAGE_DATA_DIR: dir });
      expect(JSON.parse(a.stdout).counts.total).toBeGreaterThan(20);
    } finally {
      tmp!.free();
    }
  }, 60_000);

  for (const durability of ['durable', 'fast'] as const) {
    it(`fail-closed (${durability}): answers 503 and /readyz is not ready while clicks cannot be stored; recording again once there is room`, async () => {
      const dir = await seeded();
      tmp!.fill();
      try {
        const s = await serve(dir, { CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-closed', CLICKRELAY_OUTBOX_DURABILITY: durability });
        await until('the admin listener answers', async () => (await fetch(`${s.admin}/healthz`)).status === 200);
        await until('the mirror is loaded', async () => (await (await fetch(`${s.admin}/readyz`)).text()) !== 'mirror not loaded\n');
        // fast mode answers before the commit, so it refuses from the first failure it learns of
        await until('a click is refused', async () => (await track(s.base)) === 503, 5_000);
        const ready = await fetch(`${s.admin}/readyz`);
        expect(ready.status).toBe(503); // before the fix: 200 while every click got 503
        expect(await ready.text()).toContain('outbox cannot store clicks');
        tmp!.free();
        await until('/readyz is ready again', async () => (await fetch(`${s.admin}/readyz`)).status === 200);
        // before the fix, fast mode refused every click for good: nothing cleared its failure
        await until('clicks are recorded again', async () => (await track(s.base)) === 302 && (await metric(s.admin, 'clickrelay_clicks_recorded_total')) > 0);
        await stop(s.child);
      } finally {
        tmp!.free();
      }
    }, 60_000);
  }

  it('fail-closed: a disk that fills while serving makes /readyz not ready for as long as clicks are refused (#26)', async () => {
    const dir = await seeded();
    const s = await serve(dir, { CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-closed', CLICKRELAY_OUTBOX_DURABILITY: 'durable' });
    await waitReady(s.adminPort, s.child);
    try {
      for (let i = 0; i < 20; i++) expect(await track(s.base)).toBe(302);
      tmp!.fill();
      // Clicks go on fitting into space the files already hold for a while: send until one is refused.
      await until('a click is refused', async () => (await track(s.base)) === 503, 30_000);
      // Every readiness check probes the disk; while clicks are refused, none may say ready
      // (before the fix the probe rewrote one row that still fit, and /readyz said 200).
      for (let round = 0; round < 5; round++) {
        const ready = await fetch(`${s.admin}/readyz`);
        expect(ready.status, `round ${round}`).toBe(503);
        expect(await ready.text()).toContain('outbox cannot store clicks');
        expect(await track(s.base), `round ${round}`).toBe(503);
      }
      tmp!.free();
      await until('/readyz is ready again', async () => (await fetch(`${s.admin}/readyz`)).status === 200);
      await until('clicks are recorded again', async () => (await track(s.base)) === 302);
      await stop(s.child);
    } finally {
      tmp!.free();
    }
  }, 90_000);
});

describe.skipIf(skip)('outbox.head on a full disk', () => {
  it('is rewritten in place when no temp file fits', () => {
    const dir = join(tmp!.dir, 'head');
    mkdirSync(dir, { recursive: true });
    writeHead(dir, { seq: 1, chain_hash: 'a'.repeat(64) });
    tmp!.fill();
    try {
      writeHead(dir, { seq: 2, chain_hash: 'b'.repeat(64) }); // before the fix: ENOSPC
      expect(readHead(dir)).toEqual({ seq: 2, chain_hash: 'b'.repeat(64) });
    } finally {
      tmp!.free();
    }
  });

  it('keeps in step with commits SQLite still makes into WAL space it holds, so a cut tail stays visible', async () => {
    const dir = join(tmp!.dir, 'in-step');
    const outbox = await openOutbox(dir, { durability: 'durable' });
    await recordAll(outbox, Array.from({ length: 300 }, () => click()));
    // A checkpoint from another connection: the writer's next transaction starts the WAL
    // over from its beginning, in blocks the file already owns.
    const side = new Database(join(dir, 'outbox.db'));
    side.pragma('wal_checkpoint(PASSIVE)');
    side.close();
    tmp!.fill();
    try {
      await recordAll(outbox, Array.from({ length: 10 }, () => click()));
      expect((await outbox.stats()).last_seq).toBe(310);
      await waitFor('outbox.head to follow the last commit', () => readHead(dir)?.seq === 310); // within 100 ms, unless the fix is gone
      expect(readHead(dir)?.seq).toBe(310); // before the fix: stuck at the last head before the disk filled
    } finally {
      tmp!.free();
      await outbox.close();
    }
  }, 30_000);
});
