/**
 * The in-memory lookup the redirect consults on every request. No SQL on the hot path:
 * a lookup is one probe of a packed hash table (link-table.ts), plus one Map get on a
 * miss while the overlay is non-empty.
 *
 * A LinkIndex never changes after it is built, so a reader holding one sees a
 * consistent set; a reload builds a whole new one (in a worker thread) and the holder
 * swaps it in with a single assignment (JS is single-threaded: no reader can see half a
 * swap).
 */
import type { LinkInfo } from '../../types.js';
import { LinkTable, packLinkTable, type LinkTableData } from './link-table.js';

/** What the redirect needs about a link. Inactive links stay in the index so they answer 404 without a miss lookup. */
export interface LinkEntry {
  /** The URL to redirect to; '' for an inactive link. */
  readonly url: string;
  readonly active: boolean;
}

/** id → URL (active) or null (inactive): the overlay of links learnt one by one. */
export type LinkMap = Map<string, string | null>;

const INACTIVE: LinkEntry = Object.freeze({ url: '', active: false });
const EMPTY = packLinkTable(() => []);

export class LinkIndex {
  readonly #table: LinkTable;
  /** The packed table in shared memory: what a serving thread is posted to read the same links. */
  readonly data: LinkTableData;

  constructor(data: LinkTableData = EMPTY) {
    this.#table = new LinkTable(data);
    this.data = data;
  }

  /** URL of an active link, null for a known inactive one, undefined for an unknown id. */
  lookupUrl(id: string): string | null | undefined {
    return this.#table.lookupUrl(id);
  }

  lookup(id: string): LinkEntry | undefined {
    const v = this.lookupUrl(id);
    return v === undefined ? undefined : v === null ? INACTIVE : { url: v, active: true };
  }

  get size(): number {
    return this.#table.links;
  }

  /** Counts for status/metrics. */
  counts(): { links: number; active: number; inactive: number } {
    const t = this.#table;
    return { links: t.links, active: t.links - t.inactive, inactive: t.inactive };
  }

  /** Bytes of the packed table (outside the JS heap). */
  get bytes(): number {
    return this.#table.bytes;
  }
}

/**
 * Upper bound of the overlay: links learnt one by one from miss lookups. Past it they
 * are still persisted to mirror.db and found after the next reload; the bound only
 * keeps a flood of real-but-new ids from growing memory between syncs.
 */
export const OVERLAY_MAX = 100_000;

export class MirrorIndexHolder {
  #current: LinkIndex;
  // Repacking a million-link table to add one link would cost a whole read of mirror.db
  // and double the table's memory for a moment; a small side Map does the job and is dropped at the next full swap, whose
  // listing already contains whatever the main system still knows.
  #overlay: LinkMap = new Map();
  #generation = 0;

  constructor(initial: LinkIndex = new LinkIndex()) {
    this.#current = initial;
  }

  get current(): LinkIndex {
    return this.#current;
  }

  /** Bumped by every replace(): a slow reload started before a newer swap must not undo it. */
  get generation(): number {
    return this.#generation;
  }

  get overlaySize(): number {
    return this.#overlay.size;
  }

  /** Links known now: the snapshot plus the overlay. */
  get size(): number {
    return this.#current.size + this.#overlay.size;
  }

  /** URL of an active link, null for a known inactive one, undefined for an unknown id. */
  lookupUrl(id: string): string | null | undefined {
    const hit = this.#current.lookupUrl(id);
    if (hit !== undefined || this.#overlay.size === 0) return hit;
    return this.#overlay.get(id);
  }

  lookup(id: string): LinkEntry | undefined {
    const v = this.lookupUrl(id);
    return v === undefined ? undefined : v === null ? INACTIVE : { url: v, active: true };
  }

  /** Swap in a freshly built snapshot; the overlay is superseded by it. */
  replace(next: LinkIndex): void {
    this.#current = next;
    this.#overlay = new Map();
    this.#generation++;
  }

  /** Add one link learnt from a miss lookup. Returns false when the overlay is full. */
  addOne(link: Pick<LinkInfo, 'tracking_id' | 'original_url' | 'is_active'>): boolean {
    if (this.#current.lookupUrl(link.tracking_id) !== undefined) return true; // a swap already brought it
    if (this.#overlay.size >= OVERLAY_MAX && !this.#overlay.has(link.tracking_id)) return false;
    this.#overlay.set(link.tracking_id, link.is_active ? link.original_url : null);
    return true;
  }
}
