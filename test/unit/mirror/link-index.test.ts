import { describe, expect, it } from 'vitest';
import { LinkIndex, MirrorIndexHolder, OVERLAY_MAX } from '../../../src/mirror/table/link-index.js';
import { packLinkTable, type LinkRow } from '../../../src/mirror/table/link-table.js';

const link = (id: string, url = `https://example.com/${id}`, active = true) => ({ tracking_id: id, original_url: url, is_active: active });

/** An index of these links, packed as a read of mirror.db packs it (ids are unique there, as here). */
function indexOf(links: ReturnType<typeof link>[]): LinkIndex {
  const rows: LinkRow[] = links.map((l) => [l.tracking_id, l.is_active ? l.original_url : null]);
  return new LinkIndex(packLinkTable(() => rows));
}

describe('LinkIndex and MirrorIndexHolder', () => {
  it('looks a link up by id, inactive ones included', () => {
    const idx = indexOf([link('a'), link('b', 'https://x.example/', false)]);
    expect(idx.lookup('a')).toEqual({ url: 'https://example.com/a', active: true });
    expect(idx.lookup('b')).toEqual({ url: '', active: false });
    expect(idx.lookupUrl('a')).toBe('https://example.com/a');
    expect(idx.lookupUrl('b')).toBeNull();
    expect(idx.lookupUrl('c')).toBeUndefined();
    expect(idx.lookup('c')).toBeUndefined();
    expect(idx.counts()).toEqual({ links: 2, active: 1, inactive: 1 });
  });

  it('swaps a whole new snapshot in at once; a reader holding the old one keeps a consistent view', () => {
    const h = new MirrorIndexHolder(indexOf([link('a'), link('b')]));
    const before = h.current;
    h.replace(indexOf([link('b', 'https://new.example/'), link('c')]));
    expect(before.lookup('a')).toBeDefined();
    expect(h.lookup('a')).toBeUndefined();
    expect(h.lookup('b')?.url).toBe('https://new.example/');
    expect(h.generation).toBe(1);
  });

  it('adds miss-lookup links to an overlay that the next full swap drops', () => {
    const h = new MirrorIndexHolder(indexOf([link('a')]));
    expect(h.addOne(link('m'))).toBe(true);
    expect(h.lookup('m')).toEqual({ url: 'https://example.com/m', active: true });
    expect(h.size).toBe(2);
    h.replace(indexOf([link('a')]));
    expect(h.lookup('m')).toBeUndefined();
    expect(h.overlaySize).toBe(0);
  });

  it('lets the snapshot win over the overlay for an id it already has', () => {
    const h = new MirrorIndexHolder(indexOf([link('a', 'https://snap.example/')]));
    h.addOne(link('a', 'https://overlay.example/'));
    expect(h.lookup('a')?.url).toBe('https://snap.example/');
    expect(h.overlaySize).toBe(0);
  });

  it('bounds the overlay', () => {
    const h = new MirrorIndexHolder();
    for (let i = 0; i < OVERLAY_MAX; i++) h.addOne(link(`id${i}`));
    expect(h.addOne(link('one-too-many'))).toBe(false);
    expect(h.lookup('one-too-many')).toBeUndefined();
    expect(h.addOne(link('id5', 'https://updated.example/'))).toBe(true); // updating a present one is fine
  });
});
