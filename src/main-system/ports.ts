/**
 * The two ports through which clickrelay talks to the main system, declared for their
 * users: the mirror reads links (a full listing in pages, and one link on a miss), the
 * shipper delivers clicks (a batch at a time, with an outcome per click). Adapters:
 * the HTTP API (src/mirror/http-client.ts, src/shipper/send.ts) and PostgreSQL
 * (./postgres/, the guide's "Database Direct Integration").
 *
 * The ports carry raw rows and plain verdicts only: what a link may look like is the
 * mirror's rule book (validate.ts), what a click contains is the privacy stage's.
 */
import type { MirrorError } from '../mirror/errors.js';
import type { ClickRecord } from '../types.js';

export type { LinkSource, Listing } from '../mirror/sources/types.js';

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
