/**
 * Every answer the public listener gives, written in one cork. No answer ever copies a
 * request byte into a header or into HTML: Location comes from a validated mirror URL,
 * and the only echo of input is the tracking id inside JSON, and only once it has
 * matched the id pattern.
 */
import type { HttpResponse } from './uws.js';

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

export function writeRedirect(res: HttpResponse, h: RedirectHeaders, location: string): void {
  redirectWriter(h)(res, location);
}

/** The UTF-8 bytes uWebSockets.js would send for `text`. */
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const LOCATION = bytes('Location');
const CACHE_CONTROL = bytes('Cache-Control');
const PRIVATE_NO_STORE = bytes('private, no-store');
const REFERRER_POLICY = bytes('Referrer-Policy');
const STRICT_TRANSPORT_SECURITY = bytes('Strict-Transport-Security');

/**
 * writeRedirect with every fixed header name and value encoded once, up front: uWebSockets.js
 * converts a string argument to UTF-8 on every call but reads a Uint8Array in place, and a
 * redirect writes five such strings (measured ~0.4 µs per request); the bytes sent are the same.
 */
export function redirectWriter(h: RedirectHeaders): (res: HttpResponse, location: string) => void {
  const status = bytes(h.status);
  const policy = bytes(h.referrerPolicy);
  const hsts = h.hsts ? bytes(h.hsts) : null;
  return (res, location) => {
    res.writeStatus(status).writeHeader(LOCATION, location).writeHeader(CACHE_CONTROL, PRIVATE_NO_STORE).writeHeader(REFERRER_POLICY, policy);
    if (hsts) res.writeHeader(STRICT_TRANSPORT_SECURITY, hsts);
    res.end();
  };
}

const HTML_NOT_FOUND = page('Link not found or expired', 'This link does not exist or is no longer active.');
const HTML_BAD_REQUEST = page('Invalid link', 'This link is malformed.');
const HTML_UNAVAILABLE = page('Temporarily unavailable', 'Please try again in a moment.');
const HTML_TOO_MANY = page('Too many requests', 'Please slow down and try again shortly.');

export type ErrorKind = 'not_found' | 'bad_request' | 'unavailable' | 'too_many';

const ERRORS: Record<ErrorKind, { code: number; message: string; html: string }> = {
  not_found: { code: 404, message: 'Link not found or expired', html: HTML_NOT_FOUND },
  bad_request: { code: 400, message: 'Invalid tracking id', html: HTML_BAD_REQUEST },
  unavailable: { code: 503, message: 'Service temporarily unavailable', html: HTML_UNAVAILABLE },
  too_many: { code: 429, message: 'Too many requests', html: HTML_TOO_MANY },
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

/** The guide's error shape, {"error","tracking_id","timestamp"}, or a small static HTML page. */
export function writeError(res: HttpResponse, a: ErrorAnswer): number {
  const e = ERRORS[a.kind];
  const body = a.wantsJson ? JSON.stringify({ error: e.message, tracking_id: a.trackingId, timestamp: new Date().toISOString() }) : e.html;
  res
    .writeStatus(statusLine(e.code))
    .writeHeader('Content-Type', a.wantsJson ? 'application/json' : 'text/html; charset=utf-8')
    .writeHeader('Cache-Control', 'private, no-store')
    .writeHeader('X-Content-Type-Options', 'nosniff')
    .writeHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
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

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}
