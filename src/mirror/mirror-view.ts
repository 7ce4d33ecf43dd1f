/**
 * The mirror as a serving thread other than the main one sees it (server.threads > 1): the
 * main thread's packed link table, in shared memory, read in place; a lookup is the same one
 * probe as Mirror.lookup, with no message. The main thread posts each new table as it swaps
 * it in (service/serving-thread.ts), so every thread serves the new links from the same moment
 * on, and the old memory is freed once no thread holds it.
 *
 * A miss goes to the main thread's Mirror (`askMiss`): one miss lookup, capped and
 * single-flight for the whole service; an id it learnt that way is found in the main thread's
 * overlay by the next ask (the miss path is not the hot path).
 */
import type { LinkInfo } from '../types.js';
import type { MissShed } from './lookup/miss-lookup.js';
import { LinkIndex, type LinkEntry } from './table/link-index.js';
import type { LinkTableData } from './table/link-table.js';

/** What a serving thread asks of the mirror: Mirror's serving side, implemented by Mirror and MirrorView. */
export interface ServingMirror {
  lookup(id: string): LinkEntry | undefined;
  answerMiss(id: string, clientKey: string): Promise<Pick<LinkInfo, 'original_url' | 'is_active'> | null | MissShed>;
  readonly loaded: boolean;
}

/** One table as the main thread posts it: the shared memory and whether a mirror is loaded yet. */
export interface MirrorShare {
  table: LinkTableData;
  loaded: boolean;
}

export class MirrorView implements ServingMirror {
  #index: LinkIndex;
  #loaded: boolean;

  constructor(
    share: MirrorShare,
    private readonly askMiss: (id: string, clientKey: string) => Promise<Pick<LinkInfo, 'original_url' | 'is_active'> | null | MissShed>,
  ) {
    this.#index = new LinkIndex(share.table);
    this.#loaded = share.loaded;
  }

  /** A new table (or the news that one is loaded): one assignment, as Mirror's swap. */
  update(share: MirrorShare): void {
    this.#index = new LinkIndex(share.table); // a view over the shared memory, not a copy
    this.#loaded = share.loaded;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  lookup(id: string): LinkEntry | undefined {
    return this.#index.lookup(id);
  }

  answerMiss(id: string, clientKey: string): Promise<Pick<LinkInfo, 'original_url' | 'is_active'> | null | MissShed> {
    return this.askMiss(id, clientKey);
  }
}
