/**
 * Every answer the public listener gives, written in one cork. No answer ever copies a
 * request byte into a header or into HTML: Location comes from a validated mirror URL,
 * and the only echo of input is the tracking id inside JSON, and only once it has
 * matched the id pattern.
 */
import { INVALID_TRACKING_ID, invalidRequestBody, MISSING_TRACKING_ID, notFoundBody, serverErrorBody, SERVER_MESSAGES, TRACKING_ID_REQUIRED } from './guide-errors.js';
import { esc } from '../../lib/html.js';
import type { HttpResponse } from '../uws.js';

const STATUS_TEXT: Record<number, string> = {
  301: '301 Moved Permanently',
  302: '302 Found',
  303: '303 See Other',
  307: '307 Temporary Redirect',
  308: '308 Permanent Redirect',
  400: '400 Bad Request',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function statusLine(code: number): string {
  return STATUS_TEXT[code] ?? `${code} Unknown`;
}

export interface RedirectHeaders {
  status: string;
  referrerPolicy: string;
  /** Sent only when serving TLS. */
  hsts: string | null;
}

/** The UTF-8 bytes uWebSockets.js would send for `text`. */
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const LOCATION = bytes('Location');
const CACHE_CONTROL = bytes('Cache-Control');
const PRIVATE_NO_STORE = bytes('private, no-store');
const REFERRER_POLICY = bytes('Referrer-Policy');
const STRICT_TRANSPORT_SECURITY = bytes('Strict-Transport-Security');

/**
 * Writes a redirect, with every fixed header name and value encoded once, up front: uWebSockets.js
 * converts a string argument to UTF-8 on every call but reads a Uint8Array in place, and a
 * redirect writes five such strings; the bytes sent are the same.
 */
export function redirectWriter(h: RedirectHeaders): (res: HttpResponse, location: string, closeConnection?: boolean) => void {
  const status = bytes(h.status);
  const policy = bytes(h.referrerPolicy);
  const hsts = h.hsts ? bytes(h.hsts) : null;
  return (res, location, closeConnection) => {
    res.writeStatus(status).writeHeader(LOCATION, location).writeHeader(CACHE_CONTROL, PRIVATE_NO_STORE).writeHeader(REFERRER_POLICY, policy);
    if (hsts) res.writeHeader(STRICT_TRANSPORT_SECURITY, hsts);
    // uWS writes `Connection: close` itself and closes the connection once this is sent (drain.ts).
    if (closeConnection) res.end(undefined, true);
    else res.end();
  };
}

const STATUS_503 = bytes(statusLine(503));
const NO_STORE = bytes('no-store');
const VARY = bytes('Vary');
const SEC_PURPOSE = bytes('Sec-Purpose');
const RETRY_AFTER = bytes('Retry-After');
const ONE = bytes('1');

/**
 * The answer to a prefetch or prerender (prefetch.ts): 503, so that the browser keeps nothing
 * and the person's click comes here for real. Only a 2xx (and the redirects it follows) is kept
 * in a prefetch cache (HTML, "prefetch" in speculation rules; Chromium's PrefetchFailedNon2XX);
 * a prerender answered with an error is cancelled. No body: nobody reads it. `no-store` and
 * `Vary: Sec-Purpose` so that no HTTP cache serves it to the click. Returns the status.
 */
export function writePrefetchRefusal(res: HttpResponse, hsts: string | null, closeConnection: boolean): number {
  res.writeStatus(STATUS_503).writeHeader(CACHE_CONTROL, NO_STORE).writeHeader(VARY, SEC_PURPOSE).writeHeader(RETRY_AFTER, ONE);
  if (hsts) res.writeHeader(STRICT_TRANSPORT_SECURITY, hsts);
  if (closeConnection) res.end(undefined, true);
  else res.end();
  return 503;
}

// Each page says what happened and gives the person who clicked one thing to do about it.
const HTML_NOT_FOUND = page('Link not found or expired', 'This link does not exist or is no longer active.', 'If it came in an email or a message, ask its sender for a current link.');
const HTML_BAD_REQUEST = page('Invalid link', 'This link is malformed.', 'Part of it was probably lost when it was copied: open it again from the original message, or copy the whole link.');
const HTML_UNAVAILABLE = page('Temporarily unavailable', 'Please try again in a moment.', 'Reload this page in a few seconds.');
const HTML_METHOD = page('Method not allowed', 'This address only opens links.', 'Open the link itself in your browser.');
const HTML_INTERNAL = page('Something went wrong', 'The link could not be opened because of a fault on this server.', 'Reload this page; if it keeps failing, tell the sender of the link.');

/**
 * The 429 page reloads itself once Retry-After has passed (RFC 9110 §10.2.3; a browser does
 * not retry on its own), so the person clicking gets to the link without doing anything. One
 * page per wait, built on first use: the limiter answers whole seconds up to 1 / its rate, a
 * handful of values (the same N as Retry-After, so the page never retries too early).
 */
const tooManyPages = new Map<number, string>();
export function tooManyPage(retryAfterSeconds: number): string {
  const n = Math.max(1, Math.ceil(retryAfterSeconds));
  let html = tooManyPages.get(n);
  if (!html) {
    const when = n === 1 ? '1 second' : `${n} seconds`;
    html = page('Too many requests', 'Please slow down and try again shortly.', `This page tries again by itself in ${when}.`, `<meta http-equiv="refresh" content="${n}">`);
    tooManyPages.set(n, html);
  }
  return html;
}

export type ErrorKind = 'not_found' | 'bad_request' | 'missing_id' | 'unavailable' | 'too_many' | 'method_not_allowed' | 'internal';

/** The methods /track answers (RFC 9110 §15.5.6: a 405 names them in Allow). */
export const TRACK_METHODS = 'GET, HEAD';

const ERRORS: Record<ErrorKind, { code: number; json: (trackingId: string | null) => string; html: string }> = {
  not_found: { code: 404, json: (id) => notFoundBody(id), html: HTML_NOT_FOUND },
  bad_request: { code: 400, json: () => invalidRequestBody(INVALID_TRACKING_ID, TRACKING_ID_REQUIRED), html: HTML_BAD_REQUEST },
  missing_id: { code: 400, json: () => invalidRequestBody(MISSING_TRACKING_ID, TRACKING_ID_REQUIRED), html: HTML_BAD_REQUEST },
  unavailable: { code: 503, json: (id) => notFoundBody(id, 'Service temporarily unavailable'), html: HTML_UNAVAILABLE },
  too_many: { code: 429, json: (id) => notFoundBody(id, 'Too many requests'), html: tooManyPage(1) },
  method_not_allowed: { code: 405, json: (id) => notFoundBody(id, 'Method not allowed'), html: HTML_METHOD },
  internal: { code: 500, json: () => serverErrorBody(SERVER_MESSAGES.unexpected), html: HTML_INTERNAL },
};

export interface ErrorAnswer {
  kind: ErrorKind;
  /** Only a tracking id that matched the id pattern; otherwise null. */
  trackingId: string | null;
  wantsJson: boolean;
  isHead: boolean;
  hsts: string | null;
  retryAfterSeconds?: number;
  /** Close the connection after this answer (a request whose framing was refused). */
  closeConnection?: boolean;
}

/**
 * The guide's JSON error shapes (guide-errors.ts: 404 `{"error","tracking_id","timestamp"}`,
 * 400 with `required_fields`, 500 with `message`; 405, 429 and 503, which the guide does not
 * define, in the 404 shape), or a small static HTML page.
 */
export function writeError(res: HttpResponse, a: ErrorAnswer): number {
  const e = ERRORS[a.kind];
  const html = a.kind === 'too_many' && a.retryAfterSeconds !== undefined ? tooManyPage(a.retryAfterSeconds) : e.html;
  const body = a.wantsJson ? e.json(a.trackingId) : html;
  res
    .writeStatus(statusLine(e.code))
    .writeHeader('Content-Type', a.wantsJson ? 'application/json' : 'text/html; charset=utf-8')
    .writeHeader('Cache-Control', 'private, no-store')
    .writeHeader('X-Content-Type-Options', 'nosniff')
    .writeHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  if (a.kind === 'method_not_allowed') res.writeHeader('Allow', TRACK_METHODS);
  if (a.retryAfterSeconds !== undefined) res.writeHeader('Retry-After', String(a.retryAfterSeconds));
  if (a.hsts) res.writeHeader('Strict-Transport-Security', a.hsts);
  // No reported length for HEAD: uWebSockets.js 20.30 aborts the process when
  // endWithoutBody is given one ("returning without responding").
  // Closing a HEAD answer goes through end(''): endWithoutBody(undefined, true) makes 20.30
  // report a length of 2^63 and keep the connection open; '' reports 0, true of no body.
  if (a.closeConnection) res.end(a.isHead ? '' : body, true);
  else if (a.isHead) res.endWithoutBody();
  else res.end(body);
  return e.code;
}

/** JSON when the client asks for it and does not prefer HTML (browsers send both). */
export function wantsJson(accept: string): boolean {
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Fixed texts only: nothing from a request ever reaches a page. */
function page(title: string, text: string, help: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${head}<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}.help{color:#444}</style></head><body><h1>${esc(title)}</h1><p>${esc(text)}</p><p class="help">${esc(help)}</p></body></html>`;
}
