import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MirrorError } from '../../../src/mirror/errors.js';
import { fileSource } from '../../../src/mirror/listing/links-file-source.js';
import { BAD_JSON_ROW } from '../../../src/mirror/listing/bad-json-row.js';

const dir = mkdtempSync(join(tmpdir(), 'filesrc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
async function rows(path: string): Promise<unknown[]> {
  const l = await fileSource(path).open({ etag: null });
  if (l.unchanged) throw new Error('unexpected');
  const out: unknown[] = [];
  for await (const page of l.pages) out.push(...page);
  return out;
}
async function openError(path: string): Promise<MirrorError> {
  return rows(path).then(
    () => {
      throw new Error('expected an error');
    },
    (e: MirrorError) => e,
  );
}

describe('links file source', () => {
  it('reads a JSON array', async () => {
    expect(await rows(file('a.json', ' \n[{"tracking_id":"a"},{"tracking_id":"b"}]'))).toEqual([{ tracking_id: 'a' }, { tracking_id: 'b' }]);
  });

  it('reads NDJSON line by line, skipping blank lines and marking lines that are not JSON', async () => {
    const r = await rows(file('b.ndjson', '{"tracking_id":"a"}\n\n{oops\r\n{"tracking_id":"b"}\n'));
    expect(r).toEqual([{ tracking_id: 'a' }, BAD_JSON_ROW, { tracking_id: 'b' }]);
  });

  it('tolerates a UTF-8 byte order mark in either format', async () => {
    expect(await rows(file('bom.json', '\uFEFF[{"tracking_id":"a"}]'))).toHaveLength(1);
    expect(await rows(file('bom.ndjson', '\uFEFF{"tracking_id":"a"}\n'))).toHaveLength(1);
  });

  it('pages a big NDJSON file instead of reading it whole', async () => {
    const lines = Array.from({ length: 12_345 }, (_, i) => JSON.stringify({ tracking_id: `id${i}` })).join('\n');
    const l = await fileSource(file('big.ndjson', lines)).open({ etag: null });
    if (l.unchanged) throw new Error('unexpected');
    const sizes: number[] = [];
    for await (const p of l.pages) sizes.push(p.length);
    expect(sizes).toEqual([5000, 5000, 2345]);
  });

  it('refuses an empty file, a non-array JSON document, broken JSON and a missing file with the path in the message', async () => {
    expect((await openError(file('empty.json', '  \n'))).message).toMatch(/empty\.json": the file is empty/);
    expect((await openError(file('obj.json', '"just a string"'))).message).toMatch(/expected a JSON array/);
    expect((await openError(file('broken.json', '[{"a":1},'))).message).toMatch(/not valid JSON/);
    const missing = await openError(join(dir, 'missing.json'));
    expect(missing.code).toBe('CR_ERR_MIRROR_FILE');
    expect(missing.message).toMatch(/ENOENT/);
  });
});
