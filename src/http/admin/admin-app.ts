/**
 * The admin listener (loopback by default): /healthz, /readyz, /metrics, read-only JSON
 * routes the service adds (status, local analytics), and the POST routes the operator's CLI
 * uses to make the running service act (/admin/sync, /admin/ship). When it is bound beyond
 * loopback, every GET must carry the admin bearer token; a POST changes state and always
 * needs a bearer, on loopback too (the control token, service/control-token.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { invalidRequestBody, notFoundBody, serverErrorBody, SERVER_MESSAGES, unauthorizedBody, type ServerMessageKind } from '../public/guide-errors.js';
import type { HttpResponse, TemplatedApp, Uws } from '../uws.js';

/** A JSON route's answer other than a plain 200: status and an already-serialized body (guide-errors.ts). */
export class JsonReply {
  constructor(
    readonly status: '200 OK' | '400 Bad Request' | '404 Not Found' | '500 Internal Server Error' | '503 Service Unavailable',
    readonly body: string,
    /** Extra headers (Retry-After of a 503). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/**
 * An error a route may throw to say which part failed: answered as the guide's 500 with that
 * part's fixed message (never the cause's text, which goes to onError and the log).
 * Internal control flow, not a ClickrelayError: service/events.ts logs it (CR_ERR_ANALYTICS_READ for a file part).
 */
export class AdminRouteError extends Error {
  constructor(
    readonly part: ServerMessageKind,
    options?: { cause?: unknown },
  ) {
    super(SERVER_MESSAGES[part], options);
    this.name = 'AdminRouteError';
  }
}

export interface AdminAppDeps {
  uws: Uws;
  /** null: no token required (loopback only, enforced by config). */
  token: string | null;
  /** true, or why not (a string), answered as 503 with that text. */
  isReady(): boolean | string | Promise<boolean | string>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** `GET /`: the status page (HTML, no script), under the same token rule as every route. */
  statusPage?: () => Promise<string>;
  /**
   * Extra GET routes answering JSON: path pattern (uWS syntax) → handler(params, signal). A value
   * is answered 200; null is the guide's 404; a JsonReply is answered as it says. `signal` aborts
   * when the client goes away before the answer, so the handler can drop its work.
   */
  jsonRoutes?: Record<string, (params: string[], signal: AbortSignal) => Promise<unknown>>;
  /**
   * State-changing routes: path → handler(body, signal), the body an optional JSON object
   * ({} when empty). Answered as jsonRoutes' values are. Each request must carry one of
   * `controlTokens` as its bearer, whatever the listener is bound to.
   */
  postRoutes?: Record<string, (body: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>>;
  /** Bearers a POST route accepts (the per-run control token, admin.token_file's token); none: every POST is 401. */
  controlTokens?: readonly string[];
  /** A route failed (logged by the caller; the client got the guide's 500 without the detail). */
  onError?(err: unknown): void;
}

/** A POST body larger than this is refused unread: the routes take a flag or a number. */
const MAX_POST_BODY_BYTES = 4096;

/**
 * `Authorization: Bearer <token>`: the scheme is case-insensitive and followed by one or more
 * spaces (RFC 9110 §11.1, §11.4; RFC 6750 §2.1), so "bearer" and "BEARER" are the same
 * credential. The token itself is compared in constant time.
 */
export function bearerMatcher(token: string | null): (header: string) => boolean {
  if (token === null) return () => true;
  const expected = Buffer.from(token);
  return (header) => {
    const m = /^bearer +(\S+) *$/i.exec(header);
    if (!m) return false;
    const given = Buffer.from(m[1]!);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/** Any of several tokens (each compared as bearerMatcher does); an empty list matches nothing. */
function anyBearer(tokens: readonly string[]): (header: string) => boolean {
  const matchers = tokens.map((t) => bearerMatcher(t));
  return (header) => matchers.some((m) => m(header));
}

/** The body as a JSON object ({} when empty), or why it is not one. */
function parseBody(raw: Buffer): Record<string, unknown> | string {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'Invalid body: not JSON';
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'Invalid body: not a JSON object';
}

export function createAdminApp(d: AdminAppDeps): TemplatedApp {
  const app = d.uws.App();
  const authorized = bearerMatcher(d.token);
  const text = (res: HttpResponse, status: string, body: string, type = 'text/plain; charset=utf-8', headers: Readonly<Record<string, string>> = {}): void => {
    res.cork(() => {
      res.writeStatus(status).writeHeader('Content-Type', type).writeHeader('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
      res.end(body);
    });
  };
  const json = (res: HttpResponse, status: string, body: string, headers?: Readonly<Record<string, string>>) => text(res, status, body, 'application/json', headers);
  const answer = (res: HttpResponse, value: unknown) => {
    if (value instanceof JsonReply) json(res, value.status, value.body, value.headers);
    else if (value === null) json(res, '404 Not Found', notFoundBody(null, 'Not found'));
    else json(res, '200 OK', JSON.stringify(value));
  };

  /** Wraps a GET route with the token check and async-safe answering. */
  const route = (pattern: string, paramCount: number, fn: (res: HttpResponse, params: string[], signal: AbortSignal) => Promise<void> | void) => {
    app.get(pattern, (res, req) => {
      if (!authorized(req.getHeader('authorization'))) return text(res, '401 Unauthorized', 'unauthorized\n');
      const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? '');
      let aborted = false;
      const gone = new AbortController();
      res.onAborted(() => {
        aborted = true;
        gone.abort();
      });
      const failed = (err: unknown) => {
        d.onError?.(err);
        if (!aborted) json(res, '500 Internal Server Error', serverErrorBody(err instanceof AdminRouteError ? err.message : SERVER_MESSAGES.unexpected));
      };
      try {
        Promise.resolve(fn(res, params, gone.signal)).catch(failed);
      } catch (err) {
        failed(err); // a synchronous throw must still answer: uWS aborts the process otherwise
      }
    });
  };

  route('/healthz', 0, (res) => text(res, '200 OK', 'ok\n'));
  route('/readyz', 0, async (res) => {
    const ready = await d.isReady();
    if (ready === true) text(res, '200 OK', 'ready\n');
    else text(res, '503 Service Unavailable', `${ready === false ? 'not ready' : ready}\n`);
  });
  route('/metrics', 0, async (res) => {
    const m = await d.metrics();
    text(res, '200 OK', m.body, m.contentType);
  });
  const statusPage = d.statusPage;
  if (statusPage) {
    route('/', 0, async (res) => {
      const html = await statusPage();
      res.cork(() => {
        res
          .writeStatus('200 OK')
          .writeHeader('Content-Type', 'text/html; charset=utf-8')
          .writeHeader('Cache-Control', 'no-store')
          // Nothing on the page runs or loads: say so to the browser as well.
          .writeHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
          .writeHeader('X-Content-Type-Options', 'nosniff')
          .end(html);
      });
    });
  }
  for (const [pattern, handler] of Object.entries(d.jsonRoutes ?? {})) {
    const paramCount = (pattern.match(/:/g) ?? []).length;
    route(pattern, paramCount, async (res, params, signal) => {
      const value = await handler(params, signal);
      if (signal.aborted) return; // the client went away: an aborted response cannot be written
      answer(res, value);
    });
  }

  const controlled = anyBearer(d.controlTokens ?? []);
  for (const [path, handler] of Object.entries(d.postRoutes ?? {})) {
    app.post(path, (res, req) => {
      // uWS wants onAborted before anything asynchronous: the client may go at any moment.
      let aborted = false;
      const gone = new AbortController();
      res.onAborted(() => {
        aborted = true;
        gone.abort();
      });
      if (!controlled(req.getHeader('authorization'))) return json(res, '401 Unauthorized', unauthorizedBody());
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const failed = (err: unknown) => {
        d.onError?.(err);
        if (!aborted) json(res, '500 Internal Server Error', serverErrorBody(err instanceof AdminRouteError ? err.message : SERVER_MESSAGES.unexpected));
      };
      res.onData((chunk, isLast) => {
        if (settled || aborted) return;
        size += chunk.byteLength;
        if (size > MAX_POST_BODY_BYTES) {
          settled = true;
          return json(res, '400 Bad Request', invalidRequestBody(`Invalid body: larger than ${MAX_POST_BODY_BYTES} bytes`, []));
        }
        chunks.push(Buffer.from(chunk.slice(0))); // the chunk is only valid during this call
        if (!isLast) return;
        settled = true;
        const body = parseBody(Buffer.concat(chunks));
        if (typeof body === 'string') return json(res, '400 Bad Request', invalidRequestBody(body, []));
        try {
          handler(body, gone.signal).then((value) => {
            if (!aborted) answer(res, value); // the client went away: an aborted response cannot be written
          }, failed);
        } catch (err) {
          failed(err); // a synchronous throw must still answer: uWS aborts the process otherwise
        }
      });
    });
  }
  app.any('/*', (res) => text(res, '404 Not Found', 'not found\n'));
  return app;
}
