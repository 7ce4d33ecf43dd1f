/**
 * What an HTTP answer means for the clicks it carried (CONTRACT.md, "Answers to shipping"),
 * and what its body says about each click. Pure: ./click-sink.ts turns these into the
 * click-sink port's outcomes.
 */
import type { RejectedClick, SinkRetryReason } from '../../shipper/ports.js';

/** One POST, as undici left it: an answer, a failure below HTTP, or our own abort. */
export type SendOutcome =
  | { kind: 'answer'; status: number; retryAfter: string | undefined; body: string }
  | { kind: 'failure'; reason: 'timeout' | 'connection' | 'bad_response'; detail: string }
  | { kind: 'aborted' };

export type Verdict =
  /** 2xx: the main system answered for the clicks (the body says how, per click). */
  | { kind: 'ok'; status: number; body: string }
  /** Worth trying again later; nothing is wrong with the clicks. */
  | { kind: 'retry'; reason: SinkRetryReason; status?: number; retryAfterMs: number | null; detail: string }
  /** 401/403: the key, not the clicks. Pause, never dead-letter. */
  | { kind: 'unauthorized'; status: number; detail?: string }
  /** 413: too big; smaller batches may pass. */
  | { kind: 'too_large'; status: number; detail: string }
  /** 404/405/501: on record-clicks this means "no batch endpoint"; on record-click it is the click's answer (unknown link, …). */
  | { kind: 'no_route'; status: number; detail: string }
  /** Any other 4xx: the main system will never take these clicks as they are. */
  | { kind: 'refused'; status: number; detail: string }
  /** Stopped by us (SIGTERM grace over). */
  | { kind: 'aborted' };

export function classify(o: SendOutcome, nowMs: number): Verdict {
  if (o.kind === 'aborted') return o;
  if (o.kind === 'failure') return { kind: 'retry', reason: o.reason, retryAfterMs: null, detail: o.detail };
  const { status, body } = o;
  if (status >= 200 && status < 300) return { kind: 'ok', status, body };
  const detail = `HTTP ${status}${errorText(body)}`;
  const retry = (reason: SinkRetryReason): Verdict => ({ kind: 'retry', reason, status, retryAfterMs: parseRetryAfter(o.retryAfter, nowMs), detail });
  if (status === 408) return retry('request_timeout');
  if (status === 429) return retry('rate_limited');
  if (status >= 500 && status !== 501) return retry('server_error');
  if (status === 401 || status === 403) return { kind: 'unauthorized', status };
  if (status === 413) return { kind: 'too_large', status, detail };
  if (status === 404 || status === 405 || status === 501) return { kind: 'no_route', status, detail };
  if (status >= 400 && status < 500) return { kind: 'refused', status, detail };
  return retry('unexpected_status');
}

/** True for answers that ask the sender to slow down (used to lower concurrency). */
export function isShedding(v: Verdict): boolean {
  return v.kind === 'retry' && (v.status === 429 || v.status === 503);
}

/**
 * The wait a `Retry-After` header asks for, in ms, or null when it is absent or unreadable.
 * RFC 9110 §10.2.3: either delay-seconds (1*DIGIT) or an HTTP-date; a date in the past means
 * "now". Of the three date forms, IMF-fixdate and RFC 850 name GMT; asctime names no zone
 * but is GMT too, which Date.parse would otherwise read as local time.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined | null, nowMs: number): number | null {
  const raw = typeof value === 'string' ? value : value?.[0];
  if (raw === undefined) return null;
  const v = raw.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isFinite(seconds) ? seconds * 1000 : null;
  }
  // Only things shaped like one of the three HTTP-date forms; Date.parse accepts far more.
  if (!/^[A-Za-z]{3,9},? /.test(v)) return null;
  const withZone = /\b(GMT|UTC)\b/i.test(v) ? v : `${v} GMT`;
  const at = Date.parse(withZone);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** A record-clicks answer, click by click (indexes into the clicks sent). */
export interface BatchResults {
  duplicates: number;
  rejected: RejectedClick[];
  unanswered: number[];
}

/**
 * Reads `{"results":[{"click_id","status":"recorded"|"duplicate"|"rejected","error"?}]}`.
 * Only results for clicks of this batch count; a click with no (or an unknown) status is
 * unanswered and is sent again. null when the body is not a results answer at all.
 */
export function readResults(body: string, clickIds: readonly string[]): BatchResults | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return null;
  const status = new Map<string, { status: unknown; error: unknown }>();
  for (const r of results as unknown[]) {
    const e = r as { click_id?: unknown; status?: unknown; error?: unknown } | null;
    if (e && typeof e.click_id === 'string') status.set(e.click_id, { status: e.status, error: e.error });
  }
  const out: BatchResults = { duplicates: 0, rejected: [], unanswered: [] };
  clickIds.forEach((id, at) => {
    const r = status.get(id);
    if (r?.status === 'recorded') return;
    if (r?.status === 'duplicate') out.duplicates++;
    else if (r?.status === 'rejected') out.rejected.push({ at, reason: `rejected: ${why(r.error)}` });
    else out.unanswered.push(at);
  });
  return out;
}

/**
 * The guide's record-click answer says `"status": "recorded"` (the contract adds "duplicate",
 * and a 2xx "rejected" is read as in a batch result). A 2xx without a status is not taken as an
 * acknowledgement: a proxy or a broken main system can answer 200 with an error page, and
 * acknowledging that would lose the click. null: it is retried instead (reason bad_response).
 */
export function readAnswer(body: string): { status: 'recorded' | 'duplicate' } | { status: 'rejected'; reason: string } | null {
  try {
    const j = JSON.parse(body) as { status?: unknown; error?: unknown } | null;
    const s = j?.status;
    if (s === 'recorded' || s === 'duplicate') return { status: s };
    if (s === 'rejected') return { status: s, reason: `rejected: ${why(j?.error)}` };
    return null;
  } catch {
    return null;
  }
}

function why(error: unknown): string {
  return typeof error === 'string' && error !== '' ? error.slice(0, 200) : 'no reason given';
}

/** The main system's own words about an error, short: `: <error>` from a JSON body, else the start of the text. */
export function errorText(body: string): string {
  const t = body.trim();
  if (t === '') return '';
  try {
    const j = JSON.parse(t) as { error?: unknown; message?: unknown };
    const parts = [j.error, j.message].filter((x): x is string => typeof x === 'string' && x !== '');
    if (parts.length > 0) return `: ${parts.join(' — ').slice(0, 200)}`;
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return `: ${t.replace(/\s+/g, ' ').slice(0, 200)}`;
}
