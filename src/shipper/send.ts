/**
 * Layer 1, send: one POST to the main system over a keep-alive undici Pool, turned into a
 * plain outcome. No retries, no interpretation of statuses; never throws.
 *
 * The Bearer key is only ever put in the Authorization header. Everything this layer returns
 * in text (error details, answer bodies) passes through `scrub`, so a server or a library that
 * echoes the key cannot carry it into a log line or a dead-letter reason.
 */
import { Pool } from 'undici';

export type SendOutcome =
  | { kind: 'answer'; status: number; retryAfter: string | undefined; body: string }
  | { kind: 'failure'; reason: 'timeout' | 'connection' | 'bad_response'; detail: string }
  | { kind: 'aborted' };

export interface Sender {
  post(path: string, body: string, idempotencyKey: string, signal: AbortSignal): Promise<SendOutcome>;
  setApiKey(apiKey: string): void;
  /** Removes the key from a text meant for logs or the outbox. */
  scrub(text: string): string;
  close(): Promise<void>;
}

/** Answers bigger than this are not read: a results array for 10,000 clicks is well under 2 MiB. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const BAD_ANSWER_CODES = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_STATUS', 'HPE_INVALID_VERSION']);

export function createSender(o: { baseUrl: string; apiKey: string; timeoutMs: number; connections: number }): Sender {
  const base = new URL(o.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  let apiKey = o.apiKey;
  const pool = new Pool(base.origin, {
    connections: o.connections,
    pipelining: 1,
    connectTimeout: o.timeoutMs,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    keepAliveTimeout: 30_000,
    maxResponseSize: MAX_ANSWER_BYTES,
  });

  const scrub = (text: string): string => (apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text);

  return {
    scrub,
    setApiKey(k) {
      apiKey = k;
    },
    async post(path, body, idempotencyKey, signal) {
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
            authorization: `Bearer ${apiKey}`,
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
    },
    async close() {
      await pool.destroy();
    },
  };
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
