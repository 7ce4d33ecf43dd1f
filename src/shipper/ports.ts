/**
 * The shipper's ports, declared here by their user: the outbox it takes pending clicks from
 * (the worker-backed Outbox, or an in-memory model in tests) and the click sink it delivers
 * them to (the main system's HTTP API or PostgreSQL, src/main-system/, chosen by
 * src/adapters/registry.ts). The sink reports outcomes, never throws: every failure is one of
 * the SinkOutcome kinds below, so the shipper needs no adapter's error codes.
 */
import type { StoredClick } from '../types.js';

export type { StoredClick };

/** A pending click as the outbox hands it over: its position and its stored values (metadata as the stored JSON text). */
export interface Item {
  seq: number;
  click: StoredClick;
}

/** The part of the outbox the shipper uses. Every call is a message to the writer thread. */
export interface OutboxPort {
  /** Pending clicks with seq > afterSeq, oldest first, at most `limit` and about `maxBytes`. */
  takePending(limit: number, maxBytes: number, afterSeq?: number): Promise<Item[]>;
  /** Marks pending clicks shipped, by the seq takePending gave them; returns how many changed. */
  ackShipped(seqs: readonly number[], at?: Date): Promise<number>;
  /** Counts a failed attempt and keeps its error on each pending click. */
  noteAttempt(clickIds: readonly string[], error: string): Promise<unknown>;
  /** Moves pending clicks to dead letter with their reason. */
  deadLetter(items: readonly { click_id: string; reason: string }[]): Promise<unknown>;
  stats(): Promise<{ pending: number; dead_letter: number }>;
  /** True once after the outbox was changed by someone else (a re-queue beside the serve): read from the oldest pending click again. */
  changedOutside?(): Promise<boolean>;
}

/**
 * Why a delivery is tried again: the shipper's metric label set (RetryReason in
 * types.ts). server_error, timeout and connection are any adapter's; the others
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
