/**
 * The mirror's ports, declared here by their user: a link source (a full listing in pages,
 * read by the build thread) and a link lookup (one link on a miss). Implemented by the
 * main system's adapters (src/main-system/, chosen by src/adapters/registry.ts) and by the
 * links file (listing/links-file-source.ts); the mirror sees these shapes only.
 *
 * The ports carry raw rows and plain verdicts: what a link may look like is the mirror's
 * rule book (validate.ts). An adapter fails with an error of its own family; errors.ts maps
 * it to the code the mirror reports, so an adapter never needs to know the mirror's codes.
 */
import type { ClickrelayError } from '../errors.js';

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

/** A LinkSource opened in the thread that reads it, and how to let go of its connections. */
export interface OpenedLinkSource {
  source: LinkSource;
  /** Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * How the mirror's build thread opens a LinkSource itself. A listing is parsed and
 * validated in a thread of its own so that no page ever runs on the thread that answers
 * redirects, and a source's sockets cannot cross threads: so what crosses is this plain
 * (structured-clonable) description, and the thread imports `module` and calls its
 * `openLinkSource(settings)`. Loaded only by a build: a thread that only reads mirror.db
 * never pulls in undici or pg.
 */
export interface LinkSourceSpec {
  /** URL of a module exporting `openLinkSource(settings): Promise<OpenedLinkSource>`. */
  readonly module: string;
  readonly settings: unknown;
  /** The credential inside `settings`, scrubbed from any error the sync reports. */
  readonly secret?: string | undefined;
}

/** The link-source port as the mirror holds it (src/adapters/registry.ts opens the configured one). */
export interface LinkSourcePort {
  /** As LinkSource.id: known before the source is opened. */
  readonly id: string;
  /**
   * The spec for one sync, credentials read now (so a sync that cannot find its key
   * fails, and is recorded as failed, like any other).
   */
  spec(): LinkSourceSpec;
}

/**
 * A miss lookup's answer: the raw row (validated by the mirror like a synced one), none, or why
 * it could not say: the adapter's own error (mapped by errors.ts to what the mirror reports), or
 * null for an answer of no known kind.
 */
export type LookupAnswer = { kind: 'found'; raw: unknown } | { kind: 'not_found' } | { kind: 'failed'; error: ClickrelayError | null };

export interface LinkLookup {
  lookup(id: string, timeoutMs: number): Promise<LookupAnswer>;
  close(): Promise<void>;
}
