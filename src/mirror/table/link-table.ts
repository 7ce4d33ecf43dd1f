/**
 * The link index's storage: every link packed into one byte arena plus an open-addressing
 * hash table of offsets into it, two ArrayBuffers and a short list of shared URL prefixes.
 *
 * Why not a Map<string, string>: a million links as a Map are ~2M heap strings and 1M
 * entries (~135 MB) that every major GC marks, and an atomic swap holds two of them. Here
 * the same million links are ~50 MB outside the
 * JS heap (the GC never walks them), built in a worker thread and handed over without a
 * copy (SharedArrayBuffers: the build thread's memory is the serving threads' memory), so the
 * swap is one assignment on each serving thread, and N serving threads hold one table.
 *
 * URL prefixes are stored once. A job seeker's links are a few destinations (a LinkedIn
 * profile, a calendar, a portfolio) tracked once per application, and a main system's own
 * URLs share their scheme, host and path: the part of a URL up to the last '/' of its path
 * ("https://linkedin.com/in/") is kept in a dictionary of at most 65,535 prefixes, and an
 * entry holds only its index and the rest ("steve-glen"), which nearly halves the arena of
 * the 1M-link bench set.
 *
 * Entry at offset `o` of the arena:
 *   o+0  id length (1..255; ids are ASCII by TRACKING_ID_PATTERN)
 *   o+1  flags: bit 0 = active
 *   o+2  length in bytes of the URL's rest, u16 little-endian (0 for an inactive link: its URL is never served)
 *   o+4  prefix index, u16 little-endian (0: the empty prefix)
 *   o+6  id bytes, then the rest's bytes (UTF-8)
 * Slot i of the table holds 1 + the offset of an entry, or 0 for empty; linear probing.
 */

export interface LinkTableData {
  /** Shared memory: posted to every serving thread (server.threads) without a copy, one table for all. */
  readonly arena: SharedArrayBuffer;
  readonly slots: SharedArrayBuffer;
  /** Shared URL prefixes; [0] is ''. Structured-cloned (a few thousand short strings at most in practice). */
  readonly prefixes: readonly string[];
  readonly links: number;
  readonly inactive: number;
}

/** Links as the table takes them: [tracking_id, URL of an active link or null]. */
export type LinkRow = readonly [id: string, url: string | null];

const HEADER = 6;
const ACTIVE = 1;
const MAX_PREFIXES = 0xffff;
/** A prefix shorter than this is not worth its lookup ("https://" alone still is). */
const MIN_PREFIX = 8;

/** FNV-1a over the id's char codes (ASCII ids: the same value over its bytes). */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Where a URL's shareable prefix ends: after the last '/' before its query or fragment. */
function prefixEnd(url: string): number {
  let end = url.length;
  const q = url.indexOf('?');
  if (q >= 0) end = q;
  const f = url.indexOf('#');
  if (f >= 0 && f < end) end = f;
  const cut = url.lastIndexOf('/', end - 1) + 1;
  return cut >= MIN_PREFIX ? cut : 0;
}

/**
 * Packs links into a table. `rows` is called twice and must give the same links both
 * times: a first pass sizes the arena and collects the prefixes, so the arena is
 * allocated once, at its final size (a grown-and-copied one would briefly need twice
 * the room, at the moment the serving process already holds the old table). Ids must be
 * unique (they come from a primary key).
 */
export function packLinkTable(rows: () => Iterable<LinkRow>): LinkTableData {
  const prefixIndex = new Map<string, number>();
  const prefixes = [''];
  const prefixOf = (url: string): number => {
    const end = prefixEnd(url);
    if (end === 0) return 0;
    const p = url.slice(0, end);
    let i = prefixIndex.get(p);
    if (i === undefined) {
      if (prefixes.length >= MAX_PREFIXES) return 0; // dictionary full: stored whole
      i = prefixes.push(p) - 1;
      prefixIndex.set(p, i);
    }
    return i;
  };

  let bytes = 0;
  for (const [id, url] of rows()) {
    if (id.length === 0 || id.length > 255) throw new RangeError(`tracking_id of length ${id.length} cannot be indexed`);
    bytes += HEADER + id.length;
    if (url !== null) bytes += Buffer.byteLength(url, 'utf8') - Buffer.byteLength(prefixes[prefixOf(url)]!, 'utf8');
  }

  // SharedArrayBuffers: the build thread's post hands them over without a copy (as a transfer
  // did), and the serving threads all read the one table (service/serving-*).
  const arena = Buffer.from(new SharedArrayBuffer(bytes));
  let at = 0;
  let links = 0;
  let inactive = 0;
  for (const [id, url] of rows()) {
    const p = url === null ? 0 : prefixOf(url);
    const restOfUrl = url === null ? '' : url.slice(prefixes[p]!.length);
    const restAt = at + HEADER + id.length;
    const rest = Buffer.byteLength(restOfUrl, 'utf8');
    if (rest > 0xffff) throw new RangeError(`the URL of ${id} is too long to index`);
    if (restAt + rest > bytes) throw new RangeError('link table: the rows changed between the two passes');
    arena[at] = id.length;
    arena[at + 1] = url === null ? 0 : ACTIVE;
    arena.writeUInt16LE(p, at + 4);
    arena.write(id, at + HEADER, 'latin1');
    arena.write(restOfUrl, restAt, 'utf8');
    arena.writeUInt16LE(rest, at + 2);
    at = restAt + rest;
    links++;
    if (url === null) inactive++;
  }
  if (at !== bytes) throw new RangeError(`link table: ${at} bytes packed, ${bytes} sized (the rows changed between the two passes)`);
  // At most half full: a miss (an unknown id) ends at an empty slot after ~2.5 probes on average.
  let size = 8;
  while (size < links * 2) size *= 2;
  const slots = new Int32Array(new SharedArrayBuffer(size * 4));
  const mask = size - 1;
  for (let o = 0; o < at; o += HEADER + arena[o]! + arena.readUInt16LE(o + 2)) {
    let i = hashId(arena.toString('latin1', o + HEADER, o + HEADER + arena[o]!)) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = o + 1;
  }
  return { arena: arena.buffer as SharedArrayBuffer, slots: slots.buffer as SharedArrayBuffer, prefixes, links, inactive };
}

/** Read access to a packed table; allocates nothing but the URL string it returns. */
export class LinkTable {
  readonly #arena: Buffer;
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #prefixes: readonly string[];
  readonly links: number;
  readonly inactive: number;

  constructor(data: LinkTableData) {
    this.#arena = Buffer.from(data.arena);
    this.#slots = new Int32Array(data.slots);
    this.#mask = this.#slots.length - 1;
    this.#prefixes = data.prefixes;
    this.links = data.links;
    this.inactive = data.inactive;
  }

  /** Bytes held outside the JS heap (arena and slots); a re-sync briefly needs as much again. */
  get bytes(): number {
    return this.#arena.byteLength + this.#slots.byteLength;
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
        return this.#prefixes[arena.readUInt16LE(o + 4)]! + arena.toString('utf8', start, start + arena.readUInt16LE(o + 2));
      }
      i = (i + 1) & this.#mask;
    }
  }

  /** Every link in arena order (for tests and tools; not the hot path). */
  *entries(): IterableIterator<[string, string | null]> {
    const a = this.#arena;
    for (let o = 0; o < a.length; ) {
      const n = a[o]!;
      const rest = a.readUInt16LE(o + 2);
      const id = a.toString('latin1', o + HEADER, o + HEADER + n);
      yield [id, (a[o + 1]! & ACTIVE) === 0 ? null : this.#prefixes[a.readUInt16LE(o + 4)]! + a.toString('utf8', o + HEADER + n, o + HEADER + n + rest)];
      o += HEADER + n + rest;
    }
  }
}

function sameId(arena: Buffer, at: number, id: string): boolean {
  for (let k = 0; k < id.length; k++) if (arena[at + k] !== id.charCodeAt(k)) return false;
  return true;
}
