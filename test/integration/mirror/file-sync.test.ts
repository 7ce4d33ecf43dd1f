import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MirrorError } from '../../../src/mirror/errors.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { peekSyncState } from '../../../src/mirror/store/mirror-reader.js';
import { fileFacts, links, mirrorConfig, removeTempDirs, tempDir, runSync } from './helpers.js';

afterAll(removeTempDirs);

describe('sync from sync.file when there is no main system', () => {
  it('mirrors a JSON array file', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify(links(4, 'lt_', (i) => ({ is_active: i !== 3 })), null, 2));
    const holder = new MirrorIndexHolder();
    const r = await runSync({ config: mirrorConfig(dir, { sync: { file } }), holder });
    expect(r).toMatchObject({ changed: true, added: 4, active: 3, inactive: 1, source: `file:${file}` });
    expect(holder.lookup('lt_0003')).toEqual({ url: '', active: false });
  });

  it('mirrors an NDJSON file, counting lines that are not JSON as bad_json', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.ndjson');
    writeFileSync(file, links(3).map((l) => JSON.stringify(l)).join('\n') + '\n{"tracking_id": trunc\n{"tracking_id":"lt_x","original_url":"ftp://x.example/","is_active":true}\n');
    const holder = new MirrorIndexHolder();
    const r = await runSync({ config: mirrorConfig(dir, { sync: { file } }), holder });
    expect(r).toMatchObject({ active: 3, rejected: { bad_json: 1, bad_url_scheme: 1 } });
    expect(holder.size).toBe(3);
  });

  it('keeps the first of two rows with the same tracking_id and counts the second', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify([...links(2), { tracking_id: 'lt_0000', original_url: 'https://second.example/', is_active: true }]));
    const holder = new MirrorIndexHolder();
    const r = await runSync({ config: mirrorConfig(dir, { sync: { file } }), holder });
    expect(r.rejected).toEqual({ duplicate_tracking_id: 1 });
    expect(holder.lookup('lt_0000')?.url).toBe('https://example.com/jobs/0');
  });

  it('does not rewrite mirror.db when the file has not changed', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify(links(3)));
    const cfg = mirrorConfig(dir, { sync: { file } });
    await runSync({ config: cfg });
    const before = fileFacts(mirrorPath(dir));
    writeFileSync(file, JSON.stringify(links(3), null, 4)); // same set, other formatting
    const r = await runSync({ config: cfg });
    expect(r).toMatchObject({ changed: false, unchangedBy: 'fingerprint', active: 3 });
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
  });

  it('keeps the old mirror when the file turns unreadable', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify(links(3)));
    const holder = new MirrorIndexHolder();
    const cfg = mirrorConfig(dir, { sync: { file } });
    await runSync({ config: cfg, holder });
    writeFileSync(file, '[{"tracking_id": "lt_0000", ');
    const err = await runSync({ config: cfg, holder }).catch((e: MirrorError) => e);
    expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_FILE');
    expect(holder.size).toBe(3);
    expect(peekSyncState(mirrorPath(dir))?.links).toBe(3);
  });

  it('says what to set when there is neither a main system nor a file', async () => {
    const err = await runSync({ config: mirrorConfig(tempDir()) }).catch((e: MirrorError) => e);
    expect(err).toMatchObject({ code: 'CR_ERR_MIRROR_NO_SOURCE', message: expect.stringMatching(/main_system.base_url and sync.file are both empty/) });
  });

  it('says where the API key is looked for when base_url is set without one', async () => {
    const err = await runSync({ config: mirrorConfig(tempDir(), { main_system: { base_url: 'http://127.0.0.1:9' } }), env: {} }).catch((e: MirrorError) => e);
    expect((err as MirrorError).code).toBe('CR_ERR_MAIN_NO_API_KEY');
  });
});
