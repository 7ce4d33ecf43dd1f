/**
 * The two ports through which clickrelay talks to the main system, declared for their
 * users: the mirror reads links (a full listing in pages, and one link on a miss), the
 * shipper delivers clicks (a batch at a time, with an outcome per click). Adapters:
 * the HTTP API (./http/) and PostgreSQL (./postgres/, the guide's "Database Direct
 * Integration"). Which adapter serves a configuration is decided here, in main-system
 * (link-source.ts, link-lookup.ts), by whoever builds the stage; the stages see ports only.
 *
 * The ports carry raw rows and plain verdicts only: what a link may look like is the
 * mirror's rule book (validate.ts), what a click contains is the privacy stage's.
 */
import type { MirrorError } from '../mirror/errors.js';
import type { ClickRecord } from '../types.js';

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

/** The link-source port as the mirror holds it (src/main-system/link-source.ts makes one from the configuration). */
export interface LinkSourcePort {
  /** As LinkSource.id: known before the source is opened. */
  readonly id: string;
  /**
   * The spec for one sync, credentials read now (so a sync that cannot find its key
   * fails, and is recorded as failed, like any other).
   */
  spec(): LinkSourceSpec;
}

/** A miss lookup's answer: the raw row (validated by the mirror like a synced one), none, or why it could not say (null: an answer of no known kind). */
export type LookupAnswer = { kind: 'found'; raw: unknown } | { kind: 'not_found' } | { kind: 'failed'; error: MirrorError | null };

export interface LinkLookup {
  lookup(id: string, timeoutMs: number): Promise<LookupAnswer>;
  close(): Promise<void>;
}

/** Why a delivery is tried again: the shipper's metric label set (src/shipper/types.ts RetryReason). */
export type SinkRetryReason = 'server_error' | 'timeout' | 'connection';

/** What became of one attempt at a batch. Never thrown: every failure is one of these. */
export type SinkOutcome =
  /** The main system answered for every click: stored now, or already stored (a resend). */
  | { kind: 'answered'; recorded: number; duplicates: number }
  /** Nothing is wrong with the clicks; try the same batch again later. */
  | { kind: 'retry'; reason: SinkRetryReason; detail: string }
  /** The credential or its rights are refused: pause shipping, dead-letter nothing. */
  | { kind: 'unauthorized'; detail: string }
  /** The batch as a whole was refused for its content: one click may be the cause, so split it down to single clicks. */
  | { kind: 'refused'; detail: string }
  /** Shipping is stopping. */
  | { kind: 'aborted' };

export interface ClickSink {
  /** 'http' or 'postgres': shown by status and /metrics. */
  readonly adapter: string;
  /** Safe to show: where the clicks go, without credentials. */
  readonly where: string;
  /**
   * One attempt at delivering `clicks`, all or nothing: a batch is stored whole or not at
   * all, and storing a click whose click_id is already there is a no-op (`duplicates`).
   */
  deliver(clicks: readonly ClickRecord[], signal: AbortSignal): Promise<SinkOutcome>;
  close(): Promise<void>;
}
