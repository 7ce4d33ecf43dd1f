/**
 * What an HTTP outcome means for the clicks it carried (CONTRACT.md, "Answers to shipping").
 * Pure: the batch and single layers decide what to do with each verdict.
 */
import { parseRetryAfter } from './backoff.js';
import type { SendOutcome } from './send.js';
import type { RetryReason } from './types.js';

export type Verdict =
  /** 2xx: the main system answered for the clicks (the body says how, per click, in batch mode). */
  | { kind: 'ok'; status: number; body: string }
  /** Worth trying again later; nothing is wrong with the clicks. */
  | { kind: 'retry'; reason: RetryReason; status?: number; retryAfterMs: number | null; detail: string }
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
  const retry = (reason: RetryReason): Verdict => ({ kind: 'retry', reason, status, retryAfterMs: parseRetryAfter(o.retryAfter, nowMs), detail });
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
