/**
 * An in-place upgrade under a running serve (`npm ci` replacing files): the sync thread's
 * lazily imported modules vanish. The failure must name that cause
 * (CR_ERR_MIRROR_INSTALL_CHANGED, restart it), not blame the data folder (CR_ERR_MIRROR_STORE).
 * The installation is a copy of dist/ so the test can break it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, waitReady, type Child } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('an installation changed under the running service', () => {
  it('a sync that finds a module gone says so, and not "check storage.data_dir"', async () => {
    assertBuilt();
    const base = mkdtempSync(join(tmpdir(), 'cr-install-'));
    made.push(base);
    const install = join(base, 'opt');
    cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(install, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'));
    const links = join(base, 'links.json');
    cpSync(join(ROOT, 'config/links.example.json'), links);
    const admin = await freePort();
    const env = {
      ...process.env,
      CLICKRELAY_CONFIG: '',
      CLICKRELAY_STORAGE_DATA_DIR: join(base, 'data'),
      CLICKRELAY_SYNC_FILE: links,
      CLICKRELAY_SERVER_PORT: String(await freePort()),
      CLICKRELAY_ADMIN_PORT: String(admin),
      // A sync every second: the test waits for the first one after the files vanish.
      CLICKRELAY_SYNC_SCHEDULE: '* * * * * *',
      CLICKRELAY_LOG_LEVEL: 'warn',
    };
    const proc = spawn(process.execPath, [join(install, 'dist/cli/main.js'), 'serve'], { cwd: base, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const child: Child = { proc, output: () => out, exited: new Promise((r) => proc.once('exit', r)) };
    try {
      await waitReady(admin, child);
      // What npm ci does to a file the sync thread imports on demand.
      rmSync(join(install, 'dist/mirror/build/build-mirror.js'));
      await waitFor('a failed sync', () => out.includes('"event":"sync_failed"'), { timeoutMs: 30_000, stepMs: 100 });
      const line = out.split('\n').find((l) => l.includes('"event":"sync_failed"'))!;
      expect(line).toContain('CR_ERR_MIRROR_INSTALL_CHANGED');
      expect(line).toContain('restart');
      expect(line).not.toContain('CR_ERR_MIRROR_STORE');
    } finally {
      proc.kill('SIGTERM');
      await child.exited;
    }
  }, 90_000);
});
