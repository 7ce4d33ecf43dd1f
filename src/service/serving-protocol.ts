/**
 * Messages between the main thread and a serving thread k ≥ 1 (server.threads > 1).
 *
 * Serving thread 0 is the main thread itself (service.ts), so `threads = 1` is the service as
 * it always was. Each further thread (serving-worker.ts) answers /track on the same port with
 * SO_REUSEPORT and writes its own outbox shard k with its own writer thread. What must stay
 * one for the service crosses here, and never per request:
 *
 *   main → thread  the mirror's table in shared memory at each swap (`mirror`), the country
 *                  database's bytes in shared memory at start and at each replacement the main
 *                  thread accepted (`country`, country/country-share.ts, with the opt-out pages
 *                  rendered for it), miss answers, metric scrapes, a TLS reload, the stop
 *   thread → main  its shard's ops line (the shipper, retention and status reach the writer on
 *                  it), `committed` (at most once per event-loop turn: the shipper's nudge),
 *                  miss questions, the day's session-key question (answered in shared memory,
 *                  keys/shared-session-keys.ts), `country-taken` (a replaced database is in use
 *                  here), metric snapshots, log lines
 *
 * The rate limit's buckets are shared memory from the start (lib/shared-rate-limit.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { CountryShare } from '../country/country-share.js';
import type { ErrorCode } from '../error-catalogue.js';
import type { KeyQuestion } from '../keys/index.js';
import type { SharedBuckets } from '../lib/shared-rate-limit.js';
import type { MirrorShare } from '../mirror/index.js';
import type { MissShed } from '../mirror/lookup/miss-lookup.js';
import type { OptOutPages } from '../notice/opt-out-cookie.js';
import type { LinkInfo } from '../types.js';

export interface ServingBoot {
  config: Config;
  /** this thread's number, and its outbox shard's */
  shard: number;
  /** the public port as the main thread bound it (a configured 0 is the port it got) */
  port: number;
  acceptNewOutbox: boolean;
  mirror: MirrorShare;
  keyAnswers: SharedArrayBuffer;
  buckets: SharedBuckets | null;
  /** the opt-out pages as the main thread rendered them for the country database in use (the notice is built there only) */
  optOutPages: OptOutPages;
  /** the country database the main thread has in use (privacy.country = "country"), else null */
  country: CountryShare | null;
}

export type MissAnswer = Pick<LinkInfo, 'original_url' | 'is_active'> | null | MissShed;

export type ToServing =
  | ({ kind: 'mirror' } & MirrorShare)
  /**
   * a replaced country database the main thread checked and took into service, with the
   * opt-out pages rendered for it (they name it and its licence): a thread takes both or
   * neither, so its pages name the database its lookups use
   */
  | ({ kind: 'country'; optOutPages: OptOutPages } & CountryShare)
  | { kind: 'miss-answer'; id: number; answer: MissAnswer; failed?: string }
  | { kind: 'scrape'; id: number }
  | { kind: 'reload-tls'; id: number }
  /** the stop, step 1: close the listener, send owed answers with Connection: close (http/drain.ts) */
  | { kind: 'drain'; graceMs: number }
  /** step 2, once the shipper stopped: commit everything queued, close the shard, exit */
  | { kind: 'close' }
  /** fault injection (tests): the thread throws, as a bug would, and goes down its crash path */
  | { kind: 'crash' };

export type FromServing =
  | { kind: 'listening' }
  | { kind: 'failed'; code: ErrorCode | null; message: string }
  | { kind: 'ops-line'; port: MessagePort }
  | { kind: 'committed' }
  /** the country database of `generation` (or a newer one) is in use here; `error`: it could not be, the one before stays */
  | { kind: 'country-taken'; generation: number; error: string | null }
  | { kind: 'miss'; id: number; trackingId: string; clientKey: string }
  | ({ kind: 'key' } & KeyQuestion)
  | { kind: 'scraped'; id: number; metrics: unknown[] }
  | { kind: 'reloaded'; id: number; error: string | null }
  | { kind: 'log'; line: string }
  | { kind: 'drained' }
  | { kind: 'stopped' };
