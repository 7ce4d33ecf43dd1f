/**
 * The two ports through which clickrelay talks to the main system, declared for their
 * users: the mirror reads links (a full listing in pages, and one link on a miss), the
 * shipper delivers clicks (a batch at a time, with an outcome per click). Adapters:
 * the HTTP API (./http/) and PostgreSQL (./postgres/, the guide's "Database Direct
 * Integration"). Which adapter serves a configuration is decided here, in main-system
 * (link-source.ts, link-lookup.ts, click-sink.ts), by whoever builds the stage; the stages see ports only.
 *
 * The ports carry raw rows and plain verdicts only: what a link may look like is the
 * mirror's rule book (validate.ts), what a click contains is the privacy stage's.
 */
import type { MirrorError } from '../mirror/errors.js';
import type { StoredClick } from '../types.js';

export type { StoredClick };

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


/**
 * Why a delivery is tried again: the shipper's metric label set (RetryReason in
 * src/shipper/types.ts). server_error, timeout and connection are any adapter's; the others
 * are HTTP's (429, 408, a 2xx that does not say what became of every click, a 1xx/3xx).
 */
export type SinkRetryReason = 'server_error' | 'rate_limited' | 'request_timeout' | 'timeout' | 'connection' | 'bad_response' | 'unexpected_status';

/** Nothing is wrong with the clicks; the same clicks are worth sending again later. */
export interface SinkRetry {
  reason: SinkRetryReason;
  /** Why, for the retry event and the clicks' last_error (already free of credentials). */
  detail: string;
  /** The HTTP status, when there is one. */
  status?: number;
  /** How long the main system asked us to wait (Retry-After), or null. */
  retryAfterMs: number | null;
  /** The main system is shedding load (429, 503): fewer deliveries in parallel. */
  slowDown?: boolean;
}

/** One click the main system will never take as it is; `status` is the HTTP status, when there is one. */
export interface RejectedClick {
  /** Index in the delivered clicks. */
  at: number;
  reason: string;
  status?: number;
}

/** What became of one attempt. Never thrown: every failure is one of these. */
export type SinkOutcome =
  /**
   * The main system answered, click by click: every click is stored now (`recorded`) or was
   * already (`duplicates`), except the `rejected` ones (dead-lettered) and the `unanswered`
   * ones (indexes), which go again after `retry`. Absent lists are empty.
   */
  | { kind: 'answered'; recorded: number; duplicates: number; rejected?: readonly RejectedClick[]; unanswered?: readonly number[]; retry?: SinkRetry }
  | ({ kind: 'retry' } & SinkRetry)
  /** The credential or its rights are refused: pause shipping, dead-letter nothing. */
  | { kind: 'unauthorized'; status?: number; detail?: string }
  /**
   * The clicks as a whole were refused for their content (or size): one click may be the
   * cause, so the shipper splits down to single clicks; `reason` is what a single refused
   * click's dead letter records.
   */
  | { kind: 'refused'; reason: string; status?: number }
  /** The main system takes no batches (HTTP: no record-clicks route): deliver one click at a time from now on. */
  | { kind: 'batch_unsupported'; status: number }
  /** Shipping is stopping. */
  | { kind: 'aborted' };

export interface ClickSink {
  /** 'http' or 'postgres': shown by status and /metrics. */
  readonly adapter: string;
  /** Safe to show: where the clicks go, without credentials. */
  readonly where: string;
  /**
   * One attempt at delivering `clicks`. Storing a click whose click_id is already there is a
   * no-op (a duplicate), so a resend after a lost answer stores nothing twice.
   */
  deliver(clicks: readonly StoredClick[], signal: AbortSignal): Promise<SinkOutcome>;
  /**
   * One click on its own, where the main system has a route for that (HTTP's record-click);
   * a sink without it is always sent batches (a single click is a batch of one).
   */
  deliverOne?(click: StoredClick, signal: AbortSignal): Promise<SinkOutcome>;
  close(): Promise<void>;
}
