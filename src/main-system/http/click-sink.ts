/**
 * The HTTP adapter of the click-sink port: the contract's record-clicks (a batch, answered
 * click by click) and the guide's record-click (one click, single mode), over one keep-alive
 * undici Pool. One POST per call, read into the port's outcome; no retries (the shipper's
 * one retry policy does those), never throws.
 *
 * The Bearer key is only ever put in the Authorization header. Every text this adapter hands
 * back (error details, the main system's words) passes through the one redaction
 * (../redact.ts), so a server or a library that echoes the key cannot carry it into a log
 * line or a dead-letter reason.
 */
import type { Pool } from 'undici';
import { undici } from './undici.js';
import type { ApiKey } from './api-key.js';
import { classify, isShedding, readAnswer, readResults, type SendOutcome, type Verdict } from './click-answers.js';
import { clickJson } from '../../lib/click-json.js';
import { batchBody, batchKey } from './click-wire.js';
import type { ClickSink, SinkOutcome, StoredClick } from '../../shipper/ports.js';
import { scrubSecrets } from '../../errors.js';

const RECORD_CLICKS = '/api/link-tracking/record-clicks';
const RECORD_CLICK = '/api/link-tracking/record-click';

/** Answers bigger than this are not read: a results array for 10,000 clicks is well under 2 MiB. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Clicks serialised per event-loop turn, so no stretch of it delays a redirect noticeably. */
const CLICKS_PER_TURN = 128;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const BAD_ANSWER_CODES = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_STATUS', 'HPE_INVALID_VERSION']);

export interface HttpClickSinkOptions {
  /** main_system.base_url; may carry a path prefix. */
  baseUrl: string;
  apiKey: ApiKey;
  /** main_system.timeout_ms: per-request limit for connecting, the answer's headers, and the whole answer. */
  timeoutMs: number;
  /** Keep-alive connections at most (shipper.concurrency). */
  connections: number;
  /** For tests: wall clock in ms (an HTTP-date Retry-After). */
  now?: () => number;
}

export interface HttpClickSink extends ClickSink {
  /** Replaces the Bearer key (a rotated key file); the shipper's resumeNow() ends a pause at once. */
  setApiKey(apiKey: ApiKey): void;
}

export function httpClickSink(o: HttpClickSinkOptions): HttpClickSink {
  const base = new URL(o.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const now = o.now ?? Date.now;
  let apiKey = o.apiKey;
  const pool = new (undici().Pool)(base.origin, {
    connections: o.connections,
    pipelining: 1,
    connectTimeout: o.timeoutMs,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    keepAliveTimeout: 30_000,
    maxResponseSize: MAX_ANSWER_BYTES,
  });
  const scrub = (text: string): string => scrubSecrets(text, [apiKey.reveal()]);
  // Serialised once per click and reused by every resend and split of it.
  const jsonOf = new WeakMap<StoredClick, string>();
  const json = (c: StoredClick): string => {
    let j = jsonOf.get(c);
    if (j === undefined) jsonOf.set(c, (j = clickJson(c)));
    return j;
  };

  async function post(path: string, body: string, idempotencyKey: string, signal: AbortSignal): Promise<Verdict> {
    return classify(await send(path, body, idempotencyKey, signal), now());
  }

  async function send(path: string, body: string, idempotencyKey: string, signal: AbortSignal): Promise<SendOutcome> {
    if (signal.aborted) return { kind: 'aborted' };
    // undici's headers/body timeouts run on its coarse timer wheel (about half a second late
    // at best), and a server trickling its answer keeps resetting the body timeout: this
    // deadline bounds the whole exchange. One controller per request, linked to the stop
    // signal by hand: AbortSignal.any() over a long-lived signal leaks on Node 20.
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, o.timeoutMs);
    const onStop = () => ac.abort();
    signal.addEventListener('abort', onStop, { once: true });
    try {
      const res = await pool.request({
        method: 'POST',
        path: prefix + path,
        body,
        signal: ac.signal,
        headers: {
          authorization: `Bearer ${apiKey.reveal()}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': idempotencyKey,
        },
      });
      const text = await res.body.text();
      const ra = res.headers['retry-after'];
      return { kind: 'answer', status: res.statusCode, retryAfter: Array.isArray(ra) ? ra[0] : ra, body: scrub(text) };
    } catch (err) {
      if (signal.aborted) return { kind: 'aborted' };
      if (timedOut) return { kind: 'failure', reason: 'timeout', detail: `no complete answer within ${o.timeoutMs} ms` };
      return { kind: 'failure', reason: failureReason(err), detail: scrub(describe(err)) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
  }

  return {
    adapter: 'http',
    where: `${base.origin}${prefix}`,
    setApiKey(k) {
      apiKey = k;
    },

    async deliver(clicks, signal) {
      const jsons: string[] = new Array<string>(clicks.length);
      for (let i = 0; i < clicks.length; i++) {
        // Serialising a 500-click read is a fraction of a millisecond: let redirects in between.
        if (i > 0 && i % CLICKS_PER_TURN === 0 && !jsonOf.has(clicks[i]!)) await yieldToEventLoop();
        jsons[i] = json(clicks[i]!);
      }
      const ids = clicks.map((c) => c.click_id);
      const v = await post(RECORD_CLICKS, batchBody(jsons), batchKey(ids), signal);
      switch (v.kind) {
        case 'ok': {
          const r = readResults(v.body, ids);
          if (r === null) return badAnswer(v.status, 'answer without results');
          const recorded = clicks.length - r.duplicates - r.rejected.length - r.unanswered.length;
          if (r.unanswered.length === 0) return { kind: 'answered', recorded, ...r };
          return { kind: 'answered', recorded, ...r, retry: { reason: 'bad_response', status: v.status, retryAfterMs: null, detail: `HTTP ${v.status}: no result for ${r.unanswered.length} clicks` } };
        }
        case 'no_route':
          return { kind: 'batch_unsupported', status: v.status };
        default:
          return common(v);
      }
    },

    async deliverOne(click, signal) {
      const v = await post(RECORD_CLICK, json(click), click.click_id, signal);
      if (v.kind !== 'ok') return common(v);
      const a = readAnswer(v.body);
      if (a === null) return badAnswer(v.status, 'answer without a click status');
      if (a.status === 'rejected') return { kind: 'answered', recorded: 0, duplicates: 0, rejected: [{ at: 0, reason: a.reason, status: v.status }] };
      return { kind: 'answered', recorded: a.status === 'recorded' ? 1 : 0, duplicates: a.status === 'duplicate' ? 1 : 0 };
    },

    async close() {
      await pool.destroy();
    },
  };
}

/** The verdicts both routes read alike. On record-click a 404 is the guide's "Link not found or expired" for this click, a 413 or 422 a refused click: permanent for it. */
function common(v: Exclude<Verdict, { kind: 'ok' }>): SinkOutcome {
  switch (v.kind) {
    case 'retry':
      return { kind: 'retry', reason: v.reason, detail: v.detail, retryAfterMs: v.retryAfterMs, slowDown: isShedding(v), ...(v.status !== undefined ? { status: v.status } : {}) };
    case 'unauthorized':
      return { kind: 'unauthorized', status: v.status };
    case 'too_large':
    case 'no_route':
    case 'refused':
      return { kind: 'refused', reason: v.detail, status: v.status };
    case 'aborted':
      return v;
  }
}

function badAnswer(status: number, what: string): SinkOutcome {
  return { kind: 'retry', reason: 'bad_response', status, retryAfterMs: null, detail: `HTTP ${status}: ${what}` };
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : '';
}

function failureReason(err: unknown): 'timeout' | 'connection' | 'bad_response' {
  const code = codeOf(err);
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (BAD_ANSWER_CODES.has(code) || code.startsWith('HPE_')) return 'bad_response';
  return 'connection';
}

/** A short, key-free description: the error code and message, never request options or headers. */
function describe(err: unknown): string {
  const code = codeOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  return (code ? `${code}: ${msg}` : msg).slice(0, 300);
}
