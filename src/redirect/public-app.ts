/**
 * The public listener: `GET|HEAD /track/{tracking_id}` and nothing else.
 *
 * Per request: read every field we need before anything asynchronous (uWS request
 * objects die when the handler returns) → validate the id → in-memory lookup → hand
 * the raw click to `record` (the service anonymizes and queues it) → answer, at once
 * or, in durable mode, when the outbox says the click is on disk.
 */
import type { RawClick } from '../privacy/index.js';
import { needsEveryLine } from '../privacy/tracking-signals.js';
import { TRACKING_ID_PATTERN } from '../types.js';
import { addOptOutRoutes, hasOptOutCookie, type OptOutPages } from './opt-out-routes.js';
import { isPrefetch } from './prefetch.js';
import { redirectWriter, writeError, wantsJson, statusLine, type ErrorKind } from './responses.js';
import type { HttpRequest, HttpResponse, TemplatedApp, Uws } from './uws.js';


export interface LinkHit {
  url: string;
  active: boolean;
}

export interface PublicAppDeps {
  uws: Uws;
  /** Present when serving HTTPS. */
  tls: { certFile: string; keyFile: string } | null;
  lookup(id: string): LinkHit | undefined;
  /** Asked when the mirror does not know a well-formed id (main-system lookup, cached). */
  lookupMiss?(id: string): Promise<LinkHit | null>;
  /**
   * Records a click. Returns 'wait' when `done` will be called once the click is stored
   * (durable mode); 'answered' when the caller may redirect now (fast mode, or nothing
   * to store); 'unavailable' when fail-closed and the outbox is known to be failing.
   * `done(err)` reports a failed write; it is ignored unless the outcome was 'wait'.
   */
  record(click: RawClick, done: (err: Error | null) => void): 'wait' | 'answered' | 'unavailable';
  /**
   * The client address from the socket peer and, for trusted proxies, their headers.
   * `forwarded` reads X-Forwarded-For / X-Real-IP; it is called (synchronously) only when the
   * peer is a trusted proxy, so the common case costs no header reads.
   */
  clientIp(peer: string, forwarded: () => { xForwardedFor: string; xRealIp: string }): string;
  /** 0 when allowed, else seconds until the client may try again. Nothing is recorded when limited. */
  rateLimit?(clientIp: string): number;
  redirectStatus: number;
  referrerPolicy: string;
  /** outbox.on_write_error = "fail-closed": answer 503 when the click could not be stored. */
  failClosed: boolean;
  onAnswer(status: number): void;
  /** An unexpected exception while answering (a bug); the request got a 503. */
  onError(err: unknown): void;
  /** A prefetch was redirected and not recorded (prefetch.ts). */
  onPrefetch?(): void;
  /** The opt-out pages (/privacy/opt-out, /privacy/opt-in); without them those paths are 404. */
  optOutPages?: OptOutPages;
}

const HSTS = 'max-age=31536000';

const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * The socket peer as text. uWebSockets.js has it as bytes: an IPv4 peer (4 bytes, or 16 as
 * an IPv4-mapped IPv6 address on a dual-stack listener) is formatted here as dotted decimal,
 * which is what resolveClientIp makes of the text form too; any other IPv6 peer goes the text
 * way. Decoding the text form for every request cost ~0.8 µs (an ArrayBuffer, a Buffer, UTF-8).
 */
function peerAddress(res: HttpResponse): string {
  const b = new Uint8Array(res.getRemoteAddress());
  if (b.length === 4) return `${DECIMAL[b[0]!]}.${DECIMAL[b[1]!]}.${DECIMAL[b[2]!]}.${DECIMAL[b[3]!]}`;
  if (b.length === 16 && isV4Mapped(b)) return `${DECIMAL[b[12]!]}.${DECIMAL[b[13]!]}.${DECIMAL[b[14]!]}.${DECIMAL[b[15]!]}`;
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

/**
 * A DNT / Sec-GPC value over every line of the header. uWS gives the first line only; when
 * that one is there but not "1" (`DNT: 0` then `DNT: 1`), all lines are read and joined as
 * a list, which isOne reads element by element. An empty first line is not walked: uWS
 * reads it as "" like an absent header, and a walk for every request without the header
 * (nearly all) measured ~1.3 µs.
 */
function everyLine(req: HttpRequest, name: string, first: string): string {
  if (!needsEveryLine(first)) return first;
  const values: string[] = [];
  req.forEach((key, value) => {
    if (key === name) values.push(value);
  });
  return values.join(',');
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

export function createPublicApp(d: PublicAppDeps): TemplatedApp {
  const app = d.tls ? d.uws.SSLApp({ cert_file_name: d.tls.certFile, key_file_name: d.tls.keyFile }) : d.uws.App();
  const hsts = d.tls ? HSTS : null;
  const writeRedirect = redirectWriter({ status: statusLine(d.redirectStatus), referrerPolicy: d.referrerPolicy, hsts });

  const fail = (res: HttpResponse, kind: ErrorKind, trackingId: string | null, accept: string, isHead: boolean, retryAfterSeconds?: number) => {
    d.onAnswer(writeError(res, { kind, trackingId, wantsJson: wantsJson(accept), isHead, hsts, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }));
  };

  const redirect = (res: HttpResponse, url: string) => {
    writeRedirect(res, url);
    d.onAnswer(d.redirectStatus);
  };

  /** Answer a known, active link: record (GET only), then redirect — or 503 when fail-closed and the click cannot be stored. */
  const serveHit = (res: HttpResponse, snap: Snapshot, url: string, corked: boolean) => {
    if (snap.noRecord) {
      if (!snap.isHead) d.onPrefetch?.(); // counted only when it is redirected
      if (corked) redirect(res, url);
      else res.cork(() => redirect(res, url));
      return;
    }
    const unavailable = () => fail(res, 'unavailable', snap.click!.trackingId, snap.accept, false, 1);
    let aborted = false;
    let answered = false;
    let inHandler = true;
    const outcome = d.record(snap.click!, (err) => {
      if (aborted || answered) return;
      answered = true;
      const fn = () => (err && d.failClosed ? unavailable() : redirect(res, url));
      if (inHandler && corked) fn();
      else res.cork(fn);
    });
    inHandler = false;
    if (answered) return;
    if (outcome === 'answered') {
      answered = true;
      if (corked) redirect(res, url);
      else res.cork(() => redirect(res, url));
    } else if (outcome === 'unavailable') {
      answered = true;
      if (corked) unavailable();
      else res.cork(unavailable);
    } else if (corked) {
      // Answered later, from the outbox's commit callback: uWS needs an abort handler first.
      res.onAborted(() => {
        aborted = true;
      });
    }
  };

  const handle = (res: HttpResponse, req: HttpRequest, isHead: boolean) => {
    // A prefetch is answered like a HEAD: redirected, not recorded, not rate-limited.
    const noRecord = isHead || isPrefetch(req.getHeader('sec-purpose'), req.getHeader('purpose'), req.getHeader('x-moz'), req.getHeader('x-purpose'));
    // Accept only chooses between a JSON and an HTML error page, so it is read where an error
    // can still follow, not for every redirect (each header read crosses into native code).
    const accept = () => req.getHeader('accept');
    const id = req.getParameter(0) ?? '';
    if (!TRACKING_ID_PATTERN.test(id)) return fail(res, 'bad_request', null, accept(), isHead);

    const clientIp = d.clientIp(peerAddress(res), () => ({ xForwardedFor: req.getHeader('x-forwarded-for'), xRealIp: req.getHeader('x-real-ip') }));
    if (d.rateLimit && !noRecord) {
      const wait = d.rateLimit(clientIp);
      if (wait > 0) return fail(res, 'too_many', id, accept(), isHead, wait);
    }
    const hit = d.lookup(id);
    if (hit && !hit.active) return fail(res, 'not_found', id, accept(), isHead);
    if (!hit && !d.lookupMiss) return fail(res, 'not_found', id, accept(), isHead);
    const snap: Snapshot = {
      isHead,
      noRecord,
      // Needed later only by a fail-closed 503 or after a miss lookup.
      accept: d.failClosed || !hit ? accept() : '',
      click: noRecord
        ? null
        : {
            trackingId: id,
            clientIp,
            userAgent: req.getHeader('user-agent'),
            referer: req.getHeader('referer'),
            dnt: everyLine(req, 'dnt', req.getHeader('dnt')),
            gpc: everyLine(req, 'sec-gpc', req.getHeader('sec-gpc')),
            optedOut: hasOptOutCookie(req.getHeader('cookie')),
            rawQuery: req.getQuery() ?? '',
            receivedAt: new Date(),
          },
    };
    if (hit) return serveHit(res, snap, hit.url, true);

    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    d.lookupMiss!(id).then(
      (found) => {
        if (aborted) return;
        if (found?.active) serveHit(res, snap, found.url, false);
        else res.cork(() => fail(res, 'not_found', id, snap.accept, isHead));
      },
      () => {
        if (!aborted) res.cork(() => fail(res, 'not_found', id, snap.accept, isHead));
      },
    );
  };

  // A bug must cost one request, not the process: uWS terminates the process when a
  // handler returns without answering, so an exception is answered here.
  const guarded = (res: HttpResponse, req: HttpRequest, isHead: boolean) => {
    try {
      handle(res, req, isHead);
    } catch (err) {
      d.onError(err);
      fail(res, 'unavailable', null, '', isHead, 1);
    }
  };
  app.get('/track/:id', (res, req) => guarded(res, req, false));
  app.head('/track/:id', (res, req) => guarded(res, req, true));
  if (d.optOutPages) addOptOutRoutes(app, { pages: d.optOutPages, tls: d.tls !== null, hsts, onAnswer: d.onAnswer });
  app.any('/*', (res, req) => {
    fail(res, 'not_found', null, req.getHeader('accept'), req.getMethod() === 'head');
  });
  return app;
}

interface Snapshot {
  isHead: boolean;
  /** HEAD or prefetch: redirected, never recorded. */
  noRecord: boolean;
  accept: string;
  click: RawClick | null;
}
