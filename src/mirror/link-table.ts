/**
 * The link index's storage: every link packed into one byte arena plus an open-addressing
 * hash table of offsets into it, two ArrayBuffers in all.
 *
 * Why not a Map<string, string>: a million links as a Map are ~2M heap strings and 1M
 * entries (~135 MB) that every major GC marks, and an atomic swap holds two of them (a
 * full re-sync peaked at 507 MiB RSS). Here the same million links are ~70 MB outside the
 * JS heap (the GC never walks them), built in a worker thread and handed over without a
 * copy (ArrayBuffers are transferred), so the swap is one assignment on the serving thread.
 *
 * Entry at offset `o` of the arena:
 *   o+0  id length (1..100; ids are ASCII by TRACKING_ID_PATTERN)
 *   o+1  flags: bit 0 = active
 *   o+2  URL length in bytes, u16 little-endian (0 for an inactive link: its URL is never served)
 *   o+4  id bytes, then URL bytes (UTF-8)
 * Slot i of the table holds 1 + the offset of an entry, or 0 for empty; linear probing.
 */

export interface LinkTableData {
  readonly arena: ArrayBuffer;
  readonly slots: ArrayBuffer;
  readonly links: number;
  readonly inactive: number;
}

/** Bytes before an entry's id: id length, flags, URL length. */
export const ENTRY_HEADER_BYTES = 4;
const HEADER = ENTRY_HEADER_BYTES;
const ACTIVE = 1;

/** FNV-1a over the id's char codes (ASCII ids: the same value over its bytes). */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Bytes the arena needs for one link. */
export function entrySize(id: string, url: string | null): number {
  return HEADER + id.length + (url === null ? 0 : Buffer.byteLength(url, 'utf8'));
}

/**
 * Packs links into a table. `arenaBytes` is the exact sum of entrySize() over them (the
 * caller computes it in a first pass, so the arena is allocated once, at its final size).
 * A later duplicate id replaces nothing: ids come from a primary key, so there are none.
 */
export function packLinkTable(rows: Iterable<readonly [id: string, url: string | null]>, arenaBytes: number): LinkTableData {
  const arena = Buffer.from(new ArrayBuffer(arenaBytes));
  let at = 0;
  let links = 0;
  let inactive = 0;
  for (const [id, url] of rows) {
    if (id.length === 0 || id.length > 255) throw new RangeError(`tracking_id of length ${id.length} cannot be indexed`);
    arena[at] = id.length;
    arena[at + 1] = url === null ? 0 : ACTIVE;
    arena.write(id, at + HEADER, 'latin1');
    const urlBytes = url === null ? 0 : arena.write(url, at + HEADER + id.length, 'utf8');
    if (urlBytes > 0xffff) throw new RangeError(`the URL of ${id} is too long to index`);
    arena.writeUInt16LE(urlBytes, at + 2);
    at += HEADER + id.length + urlBytes;
    links++;
    if (url === null) inactive++;
  }
  if (at !== arenaBytes) throw new RangeError(`link table: ${at} bytes packed, ${arenaBytes} announced`);
  // At most half full: a miss (an unknown id) ends at an empty slot after ~2.5 probes on average.
  let size = 8;
  while (size < links * 2) size *= 2;
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let o = 0; o < at; o += HEADER + arena[o]! + arena.readUInt16LE(o + 2)) {
    let i = hashId(arena.toString('latin1', o + HEADER, o + HEADER + arena[o]!)) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = o + 1;
  }
  return { arena: arena.buffer as ArrayBuffer, slots: slots.buffer, links, inactive };
}

/** Read access to a packed table; allocates nothing but the URL string it returns. */
export class LinkTable {
  readonly #arena: Buffer;
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly links: number;
  readonly inactive: number;

  constructor(data: LinkTableData) {
    this.#arena = Buffer.from(data.arena);
    this.#slots = new Int32Array(data.slots);
    this.#mask = this.#slots.length - 1;
    this.links = data.links;
    this.inactive = data.inactive;
  }

  /** URL of an active link, null for a known inactive one, undefined for an unknown id. */
  lookupUrl(id: string): string | null | undefined {
    const n = id.length;
    if (this.links === 0 || n === 0 || n > 255) return undefined;
    const arena = this.#arena;
    const slots = this.#slots;
    let i = hashId(id) & this.#mask;
    for (;;) {
      const e = slots[i]!;
      if (e === 0) return undefined;
      const o = e - 1;
      if (arena[o] === n && sameId(arena, o + HEADER, id)) {
        if ((arena[o + 1]! & ACTIVE) === 0) return null;
        const start = o + HEADER + n;
        return arena.toString('utf8', start, start + arena.readUInt16LE(o + 2));
      }
      i = (i + 1) & this.#mask;
    }
  }

  /** Every link in arena order (for tests and tools; not the hot path). */
  *entries(): IterableIterator<[string, string | null]> {
    const a = this.#arena;
    for (let o = 0; o < a.length; ) {
      const n = a[o]!;
      const urlBytes = a.readUInt16LE(o + 2);
      const id = a.toString('latin1', o + HEADER, o + HEADER + n);
      yield [id, (a[o + 1]! & ACTIVE) === 0 ? null : a.toString('utf8', o + HEADER + n, o + HEADER + n + urlBytes)];
      o += HEADER + n + urlBytes;
    }
  }
}

function sameId(arena: Buffer, at: number, id: string): boolean {
  for (let k = 0; k < id.length; k++) if (arena[at + k] !== id.charCodeAt(k)) return false;
  return true;
}
