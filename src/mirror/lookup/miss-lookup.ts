/**
 * Asking the main system about an id the mirror does not know
 * (`GET /api/link-tracking/analytics/{id}`, the guide's own call).
 *
 * The public listener is open to anyone, so a request flood of random ids must not
 * become a request flood towards the main system:
 * - at most `maxInFlight` lookups are outstanding (sync.miss_max_in_flight), and a
 *   request is sent only when the admission (token buckets for all clients together and
 *   per client prefix, built by the service) has a token; otherwise the lookup is shed at
 *   once (no queue: a queue would only turn the flood into latency). An in-flight cap
 *   alone is no rate limit: fast answers free the slots as quickly as one client fills them.
 * - one lookup per id at a time: concurrent callers share its promise;
 * - a 404 is remembered for `sync.miss_ttl_seconds` in a bounded, oldest-first-evicted
 *   negative cache. Neither a shared nor a cached answer costs a token.
 * A shed lookup is not a "no": the id may well be a link created since the last sync, so
 * answerMiss says "shed, retry after N s" (the redirect answers 503 + Retry-After) rather
 * than "unknown" (a 404 tells a person, a mail client's link checker or a crawler the link
 * is dead for good). A lookup that was sent and failed (the main system down, hung past
 * sync.miss_timeout_ms, refusing the key, answering 5xx or garbage) says no more than a shed
 * one: it is answered the same way, `failed`. Only the main system's own 404 is a "no".
 * A hit is validated like a synced row, joins the index overlay and is persisted.
 */
import type { LinkLookup } from '../ports.js';
import type { LinkInfo } from '../../types.js';
import { fromSourceError } from '../errors.js';
import { emit, type MirrorHooks } from '../hooks.js';
import type { MirrorIndexHolder } from '../table/link-index.js';
import type { MirrorWriter } from '../store/mirror-writer.js';
import { TRACKING_ID_PATTERN, validateLink } from '../validate.js';
import type { MissOutcome } from './miss-outcome.js';

export type { MissOutcome };

/** Why a lookup was not sent (or sent and failed), and when the client may try again (whole seconds, ≥ 1). */
export interface MissShed {
  shed: ShedReason | 'failed';
  retryAfterSeconds: number;
}

/** The caps that shed a lookup before it is sent. */
export type ShedReason = 'saturated' | 'shed_global_rate' | 'shed_client_rate';

/**
 * Retry-After for a lookup that failed: long enough for a restarting main system or a
 * timeout to pass, short enough that a person reloading is not kept waiting long.
 */
export const FAILED_RETRY_AFTER_SECONDS = 5;
const FAILED: MissShed = { shed: 'failed', retryAfterSeconds: FAILED_RETRY_AFTER_SECONDS };

/** Token buckets in front of the main system: null lets the request go (a token is taken). */
export interface MissAdmission {
  take(clientKey: string): (MissShed & { shed: ShedReason }) | null;
}

export function isShed(v: unknown): v is MissShed {
  return typeof v === 'object' && v !== null && 'shed' in v;
}

export interface MissLookupOptions {
  /** The link-lookup port (HTTP or PostgreSQL adapter); null: none (standalone). */
  lookup: LinkLookup | null;
  holder: MirrorIndexHolder;
  writer?: MirrorWriter;
  enabled: boolean;
  timeoutMs: number;
  ttlSeconds: number;
  maxInFlight?: number;
  /** Rate caps applied to every request actually sent; absent = none (tests, tools). */
  admission?: MissAdmission;
  negativeCacheMax?: number;
  hooks?: MirrorHooks;
  now?: () => number;
}

export class MissLookup {
  readonly #o: Required<Omit<MissLookupOptions, 'writer' | 'hooks' | 'lookup' | 'admission'>> & Pick<MissLookupOptions, 'writer' | 'hooks' | 'admission'>;
  readonly #port: LinkLookup | null;
  readonly #inFlight = new Map<string, Promise<LinkInfo | null | MissShed>>();
  /** id → expiry (ms). Map order is insertion order, so the first key is the oldest entry. */
  readonly #unknown = new Map<string, number>();
  /** Outcome counts since start; plain numbers for the metrics layer to read. */
  readonly counters: Record<MissOutcome, number> = {
    hit: 0, not_found: 0, cached_unknown: 0, shared: 0, saturated: 0, shed_global_rate: 0, shed_client_rate: 0, invalid: 0,
    timeout: 0, auth_error: 0, error: 0, disabled: 0, malformed_id: 0,
  };
  /** Requests actually sent to the main system. */
  requests = 0;

  constructor(opts: MissLookupOptions) {
    this.#o = { maxInFlight: 8, negativeCacheMax: 100_000, now: Date.now, ...opts };
    this.#port = opts.lookup;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get negativeCacheSize(): number {
    return this.#unknown.size;
  }

  /**
   * The link if the main system knows it and it is active; null otherwise (unknown,
   * inactive, or the main system could not say: answerMiss tells those apart). Never throws. An inactive
   * hit still joins the index, so the next request for it is answered from memory.
   * A shed lookup reads as null here; the redirect uses answerMiss, which tells it apart.
   */
  lookupMiss(id: string): Promise<LinkInfo | null> {
    return this.answerMiss(id, '').then((r) => (isShed(r) ? null : r));
  }

  /** As lookupMiss, for a request from `clientKey` (its address prefix): a shed lookup says so. */
  answerMiss(id: string, clientKey: string): Promise<LinkInfo | null | MissShed> {
    if (!this.#o.enabled || this.#port === null) return this.#done('disabled', null);
    if (!TRACKING_ID_PATTERN.test(id)) return this.#done('malformed_id', null);
    const known = this.#o.holder.lookupUrl(id);
    if (known !== undefined) return Promise.resolve(known === null ? null : { tracking_id: id, original_url: known, is_active: true });
    if (this.#isKnownUnknown(id)) return this.#done('cached_unknown', null);
    const pending = this.#inFlight.get(id);
    if (pending) {
      this.#count('shared');
      return pending;
    }
    if (this.#inFlight.size >= this.#o.maxInFlight) return this.#done('saturated', { shed: 'saturated', retryAfterSeconds: 1 });
    const shed = this.#o.admission?.take(clientKey);
    if (shed) return this.#done(shed.shed, shed);
    const p = this.#ask(this.#port, id).finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, p);
    return p;
  }

  async #ask(port: LinkLookup, id: string): Promise<LinkInfo | null | MissShed> {
    this.requests++;
    const res = await port.lookup(id, this.#o.timeoutMs);
    if (res.kind === 'failed') {
      const e = fromSourceError(res.error);
      if (e === null) return this.#done('error', FAILED);
      const auth = e.code === 'CR_ERR_MIRROR_AUTH' || e.code === 'CR_ERR_MIRROR_DB_ACCESS';
      return this.#done(e.code === 'CR_ERR_MIRROR_TIMEOUT' ? 'timeout' : auth ? 'auth_error' : 'error', FAILED);
    }
    if (res.kind === 'not_found') {
      this.#rememberUnknown(id);
      return this.#done('not_found', null);
    }
    const v = validateLink(res.raw);
    // An answer for another id is as useless as an invalid one.
    if (!v.ok || v.link.tracking_id !== id) {
      this.#rememberUnknown(id);
      return this.#done('invalid', null);
    }
    this.#o.holder.addOne(v.link);
    this.#o.writer?.upsert(v.link);
    return this.#done('hit', v.link.is_active ? v.link : null);
  }

  #isKnownUnknown(id: string): boolean {
    const exp = this.#unknown.get(id);
    if (exp === undefined) return false;
    if (exp > this.#o.now()) return true;
    this.#unknown.delete(id);
    return false;
  }

  #rememberUnknown(id: string): void {
    if (this.#o.ttlSeconds <= 0) return;
    this.#unknown.delete(id); // re-insert at the young end
    this.#unknown.set(id, this.#o.now() + this.#o.ttlSeconds * 1000);
    while (this.#unknown.size > this.#o.negativeCacheMax) {
      const oldest = this.#unknown.keys().next().value;
      if (oldest === undefined) break;
      this.#unknown.delete(oldest);
    }
  }

  #count(o: MissOutcome): void {
    this.counters[o]++;
    emit(this.#o.hooks, 'onMissLookup', o);
  }

  #done<T>(o: MissOutcome, v: T): Promise<T> {
    this.#count(o);
    return Promise.resolve(v);
  }
}
