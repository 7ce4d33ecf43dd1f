/**
 * The mirror knows the link source only as a port: any module the build thread can import
 * serves, and the mirror neither reads main_system.* nor chooses an adapter itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkSourcePort } from '../../../src/mirror/ports.js';
import { MirrorError } from '../../../src/mirror/errors.js';
import { MainSystemError } from '../../../src/main-system/errors.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { SYNC_RECORD_FILE } from '../../../src/mirror/store/sync-record.js';
import { runSync } from '../../../src/mirror/sync.js';
import type { ArraySettings } from './fixtures/array-link-source.js';
import { links, mirrorConfig, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const MODULE = new URL('./fixtures/array-link-source.ts', import.meta.url).href;
const SECRET = 'tok_port_SECRET_31415926';

function port(settings: ArraySettings, secret?: string): LinkSourcePort {
  return { id: 'array:test', spec: () => ({ module: MODULE, settings, ...(secret ? { secret } : {}) }) };
}

describe('a link source port of any kind', () => {
  it('is opened in the build thread and synced like the main system or the file', async () => {
    const dir = tempDir();
    const holder = new MirrorIndexHolder();
    const r = await runSync({ config: mirrorConfig(dir), source: port({ links: links(7), pageSize: 3 }), holder });
    expect(r).toMatchObject({ changed: true, added: 7, active: 7, source: 'array:test' });
    expect(holder.lookupUrl('lt_0006')).toBe('https://example.com/jobs/6');
  });

  it('fails with the secret scrubbed from what the source said, and the failure is recorded', async () => {
    const dir = tempDir();
    const err = await runSync({ config: mirrorConfig(dir), source: port({ links: links(7), pageSize: 3, failWith: `refused token ${SECRET}` }, SECRET) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MirrorError);
    expect((err as Error).message).toContain('refused token [redacted]');
    expect((err as Error).message).not.toContain(SECRET);
    const record = readFileSync(join(dir, SYNC_RECORD_FILE), 'utf8');
    expect(record).not.toContain(SECRET);
    expect(JSON.parse(record).last_error.code).toBe('CR_ERR_MIRROR_STORE');
  });

  it('a port that cannot say where to read (a credential missing) fails the sync, recorded like any failure', async () => {
    const dir = tempDir();
    const missing: LinkSourcePort = {
      id: 'array:test',
      spec: () => {
        throw new MainSystemError('CR_ERR_MAIN_NO_API_KEY', 'no key');
      },
    };
    await expect(runSync({ config: mirrorConfig(dir), source: missing })).rejects.toMatchObject({ code: 'CR_ERR_MAIN_NO_API_KEY' });
    expect(JSON.parse(readFileSync(join(dir, SYNC_RECORD_FILE), 'utf8')).last_error.code).toBe('CR_ERR_MAIN_NO_API_KEY');
  });
});
