/**
 * `status` as the operator runs it from a root shell: with the README's /etc layout it looks
 * in the unit's folder without any variable, every "nothing here" names the folder it checked,
 * and every setting of the schema that differs from the running serve is named.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { freePort, runCli, waitReady } from '../../support/child-service.js';
import { cli } from '../audit/cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const made: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cr-status-folder-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('status finds and names the data folder', () => {
  it("the README's /etc step gives an absolute data_dir: the unit's StateDirectory", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const step = /^\s*(sed 's\|\^data_dir = .*) config\/clickrelay\.toml > \/etc\/clickrelay\/clickrelay\.toml$/m.exec(readme);
    expect(step, 'README step 3 has the sed line').not.toBeNull();
    const etc = temp();
    const out = execFileSync('sh', ['-c', `${step![1]} config/clickrelay.toml`], { cwd: ROOT, encoding: 'utf8' });
    writeFileSync(join(etc, 'clickrelay.toml'), out);
    expect(loadConfig({ file: join(etc, 'clickrelay.toml'), env: {} }).storage.data_dir).toBe('/var/lib/clickrelay');
    const unit = readFileSync(join(ROOT, 'systemd/clickrelay.service'), 'utf8');
    expect(unit).toMatch(/^StateDirectory=clickrelay$/m);
  });

  it('names the folder it checked in "not running", "no outbox yet" and "no mirror yet"', async () => {
    const base = temp();
    mkdirSync(join(base, 'etc'));
    copyFileSync(join(ROOT, 'config/clickrelay.toml'), join(base, 'etc/clickrelay.toml'));
    const r = await cli(['status', '--config', join(base, 'etc/clickrelay.toml')], {});
    expect(r.code, r.stderr).toBe(0);
    const where = join(base, 'data');
    expect(r.stdout).toContain(`data dir   ${where} (DOES NOT EXIST`);
    expect(r.stdout).toContain(`not running (no live serve.json in ${where})`);
    expect(r.stdout).toContain(`no outbox yet in ${where}`);
    expect(r.stdout).toContain(`no mirror yet in ${where}`);
  });

  it('compares every setting with the running serve, privacy.utm_term_content included', async () => {
    const dataDir = join(temp(), 'data');
    const admin = await freePort();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: dataDir, CLICKRELAY_SYNC_FILE: join(ROOT, 'config/links.example.json') };
    const serve = runCli(['serve'], { ...env, CLICKRELAY_SERVER_PORT: String(await freePort()), CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_PRIVACY_UTM_TERM_CONTENT: 'drop', CLICKRELAY_LOG_LEVEL: 'warn' });
    try {
      await waitReady(admin, serve);
      const r = await cli(['status', '--json'], { ...env, CLICKRELAY_LOG_LEVEL: 'warn' });
      const s = JSON.parse(r.stdout) as { server: { settings_differ: { key: string }[] } };
      expect(s.server.settings_differ.map((d) => d.key)).toEqual(expect.arrayContaining(['privacy.utm_term_content', 'server.port', 'admin.port']));
    } finally {
      serve.proc.kill('SIGTERM');
      await serve.exited;
    }
  }, 60_000);

  it('shows an error a later sync cleared as past, with when', async () => {
    const base = temp();
    const links = join(base, 'links.json');
    writeFileSync(links, 'not json');
    const env = { CLICKRELAY_STORAGE_DATA_DIR: join(base, 'data'), CLICKRELAY_SYNC_FILE: links };
    expect((await cli(['sync'], env)).code).not.toBe(0);
    expect((await cli(['status'], env)).stdout).toMatch(/FAILING: last attempt \S+: CR_ERR_MIRROR_FILE/);
    copyFileSync(join(ROOT, 'config/links.example.json'), links);
    expect((await cli(['sync'], env)).code).toBe(0);
    const after = (await cli(['status'], env)).stdout;
    expect(after).toMatch(/past error \S+, cleared by the successful sync at \S+: CR_ERR_MIRROR_FILE/);
    expect(after).not.toContain('FAILING');
  }, 60_000);
});

describe('clear-text transport', () => {
  it('status warns and audit --strict fails when the API key and clicks would go over http:// to another machine', async () => {
    const base = temp();
    const env = { CLICKRELAY_STORAGE_DATA_DIR: join(base, 'data'), CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://jobs.example.invalid', CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k', CLICKRELAY_MAIN_SYSTEM_TIMEOUT_MS: '200' };
    // An empty outbox and head to audit (requeue opens, creates and closes them; nothing is sent).
    expect((await cli(['dead-letters', 'requeue'], env)).code).toBe(0);
    const st = await cli(['status'], env);
    expect(st.stdout).toMatch(/! transport main_system\.base_url http:\/\/jobs\.example\.invalid is plain http:\/\/ to another machine/);
    const plain = await cli(['audit'], env);
    expect(plain.stdout + plain.stderr).toContain('jobs.example.invalid');
    const strict = await cli(['audit', '--strict'], env);
    expect(strict.code).toBe(1);
    const safe = await cli(['audit', '--strict'], { ...env, CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.invalid' });
    expect(safe.code, safe.stdout + safe.stderr).toBe(0);
  }, 60_000);
});
