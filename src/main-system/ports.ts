/**
 * The two ports through which clickrelay talks to the main system, declared for their
 * users: the mirror reads links (a full listing in pages, and one link on a miss), the
 * shipper delivers clicks (a batch at a time, with an outcome per click). Adapters:
 * the HTTP API (./http/) and PostgreSQL (./postgres/, the guide's "Database Direct
 * Integration"); ./click-sink.ts opens the one the configuration selects.
 *
 * The ports carry raw rows and plain verdicts only: what a link may look like is the
 * mirror's rule book (validate.ts), what a click contains is the privacy stage's.
 */
import type { MirrorError } from '../mirror/errors.js';
import type { StoredClick } from '../types.js';

export type { StoredClick };

export type { LinkSource, Listing } from '../mirror/sources/types.js';

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
