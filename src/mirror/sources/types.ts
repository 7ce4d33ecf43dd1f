/**
 * What a sync reads from: a listing of raw (not yet validated) link objects, in pages,
 * or "unchanged" when the source can tell without sending the set (HTTP 304).
 */

export type Listing =
  | { unchanged: true }
  | {
      unchanged: false;
      /** Validator for the next sync's If-None-Match, when the source has one. */
      etag: string | null;
      /**
       * One element per page the source read (an HTTP page, a keyset page, a slice of a
       * file), each iterating that page's raw rows, so the sync can cap pages whatever the
       * source: an empty page still counts.
       */
      pages: AsyncIterable<Iterable<unknown>>;
    };

export interface LinkSource {
  /** Stable, credential-free name stored in sync_state.source: the base URL (scheme://host/path) or 'file:<path>'. */
  readonly id: string;
  open(opts: { etag: string | null; signal?: AbortSignal }): Promise<Listing>;
}

/** Stands in for an NDJSON line that is not JSON, so it is counted (`bad_json`) like any bad row. */
export const BAD_JSON_ROW: unique symbol = Symbol('bad_json_row');
