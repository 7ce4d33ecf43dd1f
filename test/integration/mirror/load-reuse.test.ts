import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkIndex } from '../../../src/mirror/link-index.js';
import { loadMirror } from '../../../src/mirror/store.js';
import { runSync } from '../../../src/mirror/sync.js';
import { mirrorConfig, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/);
const linkArb = fc.record({ tracking_id: idArb, original_url: fc.constantFrom('https://a.example/', 'https://b.example/x', 'https://c.example/?q=1'), is_active: fc.boolean() });

describe('loading mirror.db beside the index it replaces', () => {
  it('yields exactly the file\'s links whatever the previous index holds (property)', async () => {
    const dir = tempDir();
    const file = join(dir, 'links.json');
    const cfg = mirrorConfig(dir, { sync: { file } });
    await fc.assert(
      fc.asyncProperty(fc.array(linkArb, { maxLength: 30 }), fc.array(linkArb, { maxLength: 30 }), fc.boolean(), async (next, prevLinks, shuffled) => {
        writeFileSync(file, JSON.stringify(next));
        await runSync({ config: cfg });
        // previous index in id order (as loadMirror builds it) or in any order (must still be right)
        const ordered = [...prevLinks].sort((a, b) => (a.tracking_id < b.tracking_id ? -1 : a.tracking_id > b.tracking_id ? 1 : 0));
        const previous = LinkIndex.fromLinks(shuffled ? prevLinks : ordered);
        const loaded = await loadMirror(dir, { previous, sliceMs: 0 });
        const expected = new Map<string, string | null>();
        for (const l of next) if (!expected.has(l.tracking_id)) expected.set(l.tracking_id, l.is_active ? l.original_url : null);
        expect(loaded.index.size).toBe(expected.size);
        for (const [id, url] of expected) expect(loaded.index.lookupUrl(id)).toBe(url);
      }),
      { numRuns: 60 },
    );
  });
});
