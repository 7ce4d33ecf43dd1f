/**
 * `backup` while serve takes clicks, `restore` into a fresh folder: the copy is private
 * (0700/0600), the restored outbox passes the audit (chain, head, file modes) and serve starts
 * on it. restore refuses a non-empty folder.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, waitReady } from '../../support/child-service.js';
import { cli } from '../audit/cli.js';
import { waitFor } from '../../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const base = mkdtempSync(join(tmpdir(), 'cr-backup-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('backup and restore', () => {
  it('backs up under load, restores into a fresh folder that audits clean and serves', async () => {
    const dataDir = join(base, 'data');
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: join(ROOT, 'config/links.example.json') };
    const port = await freePort();
    const admin = await freePort();
    const serve = runCli(['serve'], { ...env, CLICKRELAY_SERVER_PORT: String(port), CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_LOG_LEVEL: 'warn' });
    let loading = true;
    let clicked = 0;
    try {
      await waitReady(admin, serve);
      // Clicks keep coming while the backup runs.
      const load = (async () => {
        while (loading) {
          const r = await fetch(`http://127.0.0.1:${port}/track/lt_test123456789`, { redirect: 'manual' });
          if (r.status === 302) clicked++;
        }
      })();
      await waitFor('clicks answered before the backup', () => clicked >= 20);
      const b = await cli(['backup', join(base, 'copy')], env);
      loading = false;
      await load;
      expect(b.code, b.stderr).toBe(0);
    } finally {
      loading = false;
      serve.proc.kill('SIGTERM');
      await serve.exited;
    }
    const copy = join(base, 'copy');
    expect(statSync(copy).mode & 0o777).toBe(0o700);
    const files = readdirSync(copy);
    expect(files).toEqual(expect.arrayContaining(['outbox.db', 'outbox.head', 'mirror.db', 'mirror-sync.json', 'session-keys']));
    for (const f of files) expect(statSync(join(copy, f)).mode & 0o777, f).toBe(0o600);

    const fresh = join(base, 'restored');
    const freshEnv = { ...env, CLICKRELAY_STORAGE_DATA_DIR: fresh };
    const r = await cli(['restore', copy], freshEnv);
    expect(r.code, r.stderr).toBe(0);
    const audit = await cli(['audit'], freshEnv);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    // Not into a folder that holds data.
    const again = await cli(['restore', copy], freshEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CR_ERR_BACKUP_TARGET');

    const admin2 = await freePort();
    const serve2 = runCli(['serve'], { ...freshEnv, CLICKRELAY_SERVER_PORT: String(await freePort()), CLICKRELAY_ADMIN_PORT: String(admin2), CLICKRELAY_LOG_LEVEL: 'warn' });
    try {
      await waitReady(admin2, serve2);
    } finally {
      serve2.proc.kill('SIGTERM');
      await serve2.exited;
    }
    expect(serve2.output()).not.toMatch(/CR_ERR_OUTBOX/);
    const status = JSON.parse((await cli(['status', '--json'], freshEnv)).stdout) as { outbox: { kept_local: number } };
    expect(status.outbox.kept_local).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
