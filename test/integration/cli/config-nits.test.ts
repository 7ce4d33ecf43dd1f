/**
 * Configuration mistakes named as written (issue #26): `sync.max_change_ratio = nan` is shown
 * as `nan`, not `null`; a data folder that cannot be created is CR_ERR_DATA_DIR (checked once,
 * first, before any stage opens a file in it); a server.trust_proxy that trusts everyone is
 * warned about at start and in `status`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusalLines, runCli, serveEnv, waitReady } from '../../support/child-service.js';
import { cli } from '../audit/cli.js';
import { oneLinkFolder } from '../../support/one-link-folder.js';

const { root, links } = oneLinkFolder('cr-config-nits-', 'lt_nit');

describe('configuration named as written', () => {
  it('sync.max_change_ratio = nan is refused naming nan', async () => {
    const file = join(root, 'nan.toml');
    writeFileSync(file, '[sync]\nmax_change_ratio = nan\n');
    const r = await cli(['status', '--config', file], { CLICKRELAY_STORAGE_DATA_DIR: join(root, 'nan-data') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config key sync.max_change_ratio = nan is not allowed');
    expect(r.stderr).not.toContain('null');
  });

  it('a data folder that cannot be created is CR_ERR_DATA_DIR, said first', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const child = runCli(['serve'], await serveEnv(join(file, 'data'), links));
    expect(await child.exited).toBe(1);
    expect(refusalLines(child.output()).join('\n')).toMatch(new RegExp(`^clickrelay: CR_ERR_DATA_DIR: cannot create storage.data_dir ${join(file, 'data')}: .*ENOTDIR`));
  }, 60_000);

  it('server.trust_proxy = ["0.0.0.0/0"] is warned about at start and in status', async () => {
    const data = join(root, 'proxy');
    const env = await serveEnv(data, links, { CLICKRELAY_SERVER_TRUST_PROXY: '0.0.0.0/0' });
    const child = runCli(['serve'], env);
    await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), child);
    try {
      const warn = child.output().split('\n').find((l) => l.includes('CR_ERR_TRUST_PROXY_BROAD'));
      expect(warn).toContain('server.trust_proxy trusts 0.0.0.0/0: every client in it can forge its address');
      const st = await cli(['status'], env);
      expect(st.stdout).toContain('! proxy    server.trust_proxy trusts 0.0.0.0/0: every client in it can forge its address');
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  }, 60_000);
});
