/**
 * The public listener: `GET|HEAD /track/{tracking_id}` and nothing else.
 *
 * Per request: read every field we need before anything asynchronous (uWS request
 * objects die when the handler returns) → validate the id → in-memory lookup → hand
 * the raw click to `record` (the service anonymizes and queues it) → answer, at once
 * or, in durable mode, when the outbox says the click is on disk.
 */
import { needsEveryLine } from '../../privacy/tracking-signals.js';
import { CLOSED, ConnectionDrain, OPEN } from '../drain.js';
import { addOptOutRoutes, optedOutOnAnyLine, type OptOutPagesHolder } from './opt-out-routes.js';
import { isPrefetch } from './prefetch.js';
import type { ForwardingHeaders, RawClick } from '../../privacy/index.js';
import { TRACKING_ID_PATTERN } from '../../types.js';
import { ipv6PeerText } from '../../lib/ip-text.js';
import { refusal, scanHeaders, type HeaderScan } from './header-scan.js';
import { redirectWriter, writeError, writePrefetchRefusal, wantsJson, statusLine, type ErrorKind } from './responses.js';
import type { HttpRequest, HttpResponse, TemplatedApp, Uws } from '../uws.js';


export interface LinkHit {
  url: string;
  active: boolean;
}

export interface PublicAppDeps {
  uws: Uws;
  /** Present when serving HTTPS. */
  tls: { certFile: string; keyFile: string } | null;
  /** server.trust_proxy is set: a TLS-terminating proxy is assumed in front (opt-out cookie Secure). */
  behindProxy?: boolean;
  lookup(id: string): LinkHit | undefined;
  /**
   * Asked when the mirror does not know a well-formed id (main-system lookup, cached, capped
   * per client). `retryAfterSeconds`: the lookup was shed or failed (the link may exist),
   * answered 503 + Retry-After; null: the main system said it does not know the id.
   */
  lookupMiss?(id: string, clientIp: string): Promise<LinkHit | { retryAfterSeconds: number } | null>;
  /**
   * Records a click. Returns 'wait' when `done` will be called once the click is stored
   * (durable mode); 'answered' when the caller may redirect now (fast mode, or nothing
   * to store); 'unavailable' when fail-closed and the outbox is known to be failing.
   * `done(err)` reports a failed write; it is ignored unless the outcome was 'wait'.
   */
  record(click: RawClick, done: (err: Error | null) => void): 'wait' | 'answered' | 'unavailable';
  /**
   * Takes back a click record() answered 'wait' for, found by its `done`, when the connection
   * closed before the redirect could be sent; false once the click went to the writer.
   */
  withdraw?(done: (err: Error | null) => void): boolean;
  /**
   * The client address from the socket peer and, for trusted proxies, their headers.
   * `forwarded` reads every X-Forwarded-For / X-Real-IP line; call it (synchronously) only
   * when the peer is a trusted proxy: it is the expensive read (redirect/header-scan.ts).
   */
  clientIp(peer: string, forwarded: () => ForwardingHeaders): string;
  /**
   * Forwarding headers came from a peer whose headers clientIp did not read (not in
   * server.trust_proxy). Called at most once per listener: checking stops once it has fired.
   */
  onUntrustedForwarding?(peer: string): void;
  /** A request refused for its framing or a second Host line (400, connection closed), and why. */
  onRefused?(reason: 'body_framing' | 'duplicate_host'): void;
  /** A durable click withdrawn because uWS closed its connection before it could be answered. */
  onAbandoned?(): void;
  /** 0 when allowed, else seconds until the client may try again. Nothing is recorded when limited. */
  rateLimit?(clientIp: string): number;
  redirectStatus: number;
  referrerPolicy: string;
  /** outbox.on_write_error = "fail-closed": answer 503 when the click could not be stored. */
  failClosed: boolean;
  /**
   * Every answer on the public listener. `startedAt` is the performance.now() at which the
   * request arrived when this request was timed (one in 16, TIMED_MASK), else 0.
   */
  onAnswer(status: number, startedAt: number): void;
  /** An unexpected exception while answering (a bug); the request got the guide's 500. */
  onError(err: unknown): void;
  /** The service's stop (drain.ts): answers close their connection while it drains; nothing is recorded once closed. */
  drain?: ConnectionDrain;
  /**
   * False until the first mirror is loaded (a cold start's first sync): an id the mirror does
   * not know may then well be a valid link, so it gets 503 + Retry-After, never a 404.
   */
  mirrorLoaded?(): boolean;
  /** A prefetch or prerender was answered 503 and not recorded (prefetch.ts). */
  onPrefetch?(): void;
  /** The opt-out pages (/privacy/opt-out, /privacy/opt-in), the ones served now; without them those paths are 404. */
  optOutPages?: Readonly<OptOutPagesHolder>;
}

const HSTS = 'max-age=31536000';

/**
 * One request in 16 is timed for clickrelay_redirect_duration_seconds: two clock reads per
 * request would be a visible share of a redirect's CPU, and a regular sample keeps the average
 * and the histogram's shape at a sixteenth of the cost. A mask test, O(1).
 */
const TIMED_MASK = 15;
/**
 * Header names as bytes: uWebSockets.js converts a string key to UTF-8 on every call and reads
 * a Uint8Array in place. Every name read per request is one of these (README, Benchmarks).
 */
const key = (name: string): Uint8Array => new Uint8Array(Buffer.from(name, 'latin1'));
const CONTENT_LENGTH = key('content-length');
const TRANSFER_ENCODING = key('transfer-encoding');
const X_FORWARDED_FOR = key('x-forwarded-for');
const X_REAL_IP = key('x-real-ip');
const SEC_PURPOSE = key('sec-purpose');
const PURPOSE = key('purpose');
const X_MOZ = key('x-moz');
const X_PURPOSE = key('x-purpose');
const USER_AGENT = key('user-agent');
const REFERER = key('referer');
const DNT = key('dnt');
const SEC_GPC = key('sec-gpc');
const COOKIE = key('cookie');
const ACCEPT = key('accept');
/**
 * Accept only chooses between a JSON and an HTML error page, so it is read where an error can
 * still follow, not for every redirect (each header read crosses into native code).
 */
const acceptOf = (req: HttpRequest): string => req.getHeader(ACCEPT);
/** Requests from untrusted peers checked for forwarding headers: 1 in UNTRUSTED_SAMPLE, until found once. */
const UNTRUSTED_SAMPLE = 64;

/** A request answered after its handler returned: whether its client went away meanwhile. */
interface Pending {
  aborted: boolean;
  /** Set when a click is waiting for its commit: what the request's abort must also do. */
  onAborted?: () => void;
}

/** Registers the request's one onAborted handler (uWS keeps one per request) and returns its state. */
function abortState(res: HttpResponse): Pending {
  const p: Pending = { aborted: false };
  res.onAborted(() => {
    p.aborted = true;
    p.onAborted?.();
  });
  return p;
}

/**
 * Runs callbacks once uWebSockets.js has parsed everything it read with the current request.
 * uWS calls a handler as soon as a request's head is parsed, then goes on with the same packet:
 * a second, pipelined request while this one's answer is pending, or a body it cannot frame
 * (`Content-Length: -1`, a bad chunk size), makes it close the connection. Microtasks run as
 * each handler returns, before that; setImmediate runs after the poll phase, when onAborted
 * has already fired for such a connection.
 */
function afterRead(onError: (err: unknown) => void): (fn: () => void) => void {
  let queue: (() => void)[] = [];
  const run = () => {
    const q = queue;
    queue = [];
    for (const fn of q) {
      try {
        fn();
      } catch (err) {
        onError(err);
      }
    }
  };
  return (fn) => {
    if (queue.push(fn) === 1) setImmediate(run);
  };
}

const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * The socket peer as text. uWebSockets.js has it as bytes: an IPv4 peer (4 bytes, or 16 as
 * an IPv4-mapped IPv6 address on a dual-stack listener) is formatted here as dotted decimal,
 * which is what resolveClientIp makes of the text form too; any other IPv6 peer is written out
 * as uWS's text form would be (lib/ip-text.ts). The read asks the kernel (a getpeername system
 * call: uWS 20.30 does not keep the peer) and copies the address into a new ArrayBuffer, the
 * most expensive read of a request, so it is made once; there is no cheaper one in uWS 20.30.
 */
function peerAddress(res: HttpResponse): string {
  const b = new Uint8Array(res.getRemoteAddress());
  if (b.length === 4) return `${DECIMAL[b[0]!]}.${DECIMAL[b[1]!]}.${DECIMAL[b[2]!]}.${DECIMAL[b[3]!]}`;
  if (b.length === 16 && isV4Mapped(b)) return `${DECIMAL[b[12]!]}.${DECIMAL[b[13]!]}.${DECIMAL[b[14]!]}.${DECIMAL[b[15]!]}`;
  if (b.length === 16) return ipv6PeerText(b);
  return Buffer.from(res.getRemoteAddressAsText()).toString(); // not an IP socket: never on a TCP listener
}

/**
 * A DNT / Sec-GPC value over every line of the header. uWS gives the first line only; when
 * that one is there but not "1" (`DNT: 0` then `DNT: 1`), all lines are read and joined as
 * a list, which isOne reads element by element. An empty first line is not walked: uWS
 * reads it as "" like an absent header, and walking every line of every request without the
 * header (nearly all) would cost more than all other header reads together.
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
  let requests = 0;
  /** performance.now() of the timed request being answered; consumed (zeroed) by its answer. */
  let requestStart = 0;
  const counted = (status: number) => {
    d.onAnswer(status, requestStart);
    requestStart = 0;
  };
  const writeRedirect = redirectWriter({ status: statusLine(d.redirectStatus), referrerPolicy: d.referrerPolicy, hsts });
  const drain = d.drain ?? new ConnectionDrain();
  const mirrorLoaded = d.mirrorLoaded ?? (() => true);

  const fail = (res: HttpResponse, kind: ErrorKind, trackingId: string | null, accept: string, isHead: boolean, retryAfterSeconds?: number) => {
    counted(writeError(res, { kind, trackingId, wantsJson: wantsJson(accept), isHead, hsts, closeConnection: drain.state !== OPEN, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }));
  };

  /** An id the mirror does not know: dead once a mirror is loaded, "try again" before (a cold start). */
  const unknown = (res: HttpResponse, trackingId: string, accept: string, isHead: boolean) => {
    if (mirrorLoaded()) fail(res, 'not_found', trackingId, accept, isHead);
    else fail(res, 'unavailable', trackingId, accept, isHead, 1);
  };
  const later = afterRead(d.onError);

  /**
   * 400 and close, for a request whose framing we refuse. Answered after the read (the response
   * stays pending until then), so uWS drops anything pipelined behind it instead of serving it
   * as a request of its own, and so the bytes of a body nobody agreed on are never parsed as one.
   * Where uWS itself fails the body (`Content-Length: -1`) the connection is already closed:
   * uWebSockets.js 20.30 sends nothing then, 20.57 its own 400.
   */
  const refuse = (res: HttpResponse, reason: 'body_framing' | 'duplicate_host', accept: string, isHead: boolean) => {
    d.onRefused?.(reason);
    const p = abortState(res);
    later(() => {
      if (!p.aborted) res.cork(() => counted(writeError(res, { kind: 'bad_request', trackingId: null, wantsJson: wantsJson(accept), isHead, hsts, closeConnection: true })));
    });
  };

  const redirect = (res: HttpResponse, url: string) => {
    writeRedirect(res, url, drain.state !== OPEN);
    counted(d.redirectStatus);
  };

  const unavailable = (res: HttpResponse, snap: Snapshot) => fail(res, 'unavailable', snap.click!.trackingId, snap.accept, false, 1);
  /** The answer once the click is recorded (or its write failed: `failed` is true only when fail-closed). */
  const recorded = (res: HttpResponse, snap: Snapshot, url: string, failed: boolean) => (failed ? unavailable(res, snap) : redirect(res, url));

  /**
   * Answer a known, active link: record (GET only, no prefetch), then redirect — or 503 when
   * fail-closed and the click cannot be stored. `pending` is the request's abort state when its
   * onAborted handler is already registered (uWS keeps one per request), else null.
   */
  const serveHit = (res: HttpResponse, snap: Snapshot, url: string, corked: boolean, pending: Pending | null) => {
    if (snap.noRecord) {
      if (corked) redirect(res, url);
      else res.cork(() => redirect(res, url));
      return;
    }
    // Stopped: the outbox may be closed already, so nothing may be answered as recorded.
    if (drain.state === CLOSED) {
      if (corked) unavailable(res, snap);
      else res.cork(() => unavailable(res, snap));
      return;
    }
    // One closure per click (`done`, which the outbox may keep); the rest is plain state.
    let aborted = false;
    let answered = false;
    let inHandler = true;
    let waiting = false;
    const done = (err: Error | null) => {
      if (!aborted && !answered && !(pending !== null && pending.aborted)) {
        answered = true;
        requestStart = snap.startedAt;
        const failed = err !== null && d.failClosed;
        if (inHandler && corked) recorded(res, snap, url, failed);
        else res.cork(() => recorded(res, snap, url, failed));
      }
      if (waiting) {
        waiting = false;
        drain.leave();
      }
    };
    const outcome = d.record(snap.click!, done);
    inHandler = false;
    if (answered) return;
    if (outcome === 'answered') {
      answered = true;
      if (corked) redirect(res, url);
      else res.cork(() => redirect(res, url));
    } else if (outcome === 'unavailable') {
      answered = true;
      if (corked) unavailable(res, snap);
      else res.cork(() => unavailable(res, snap));
    } else {
      // Answered later, from the outbox's commit callback; a stop waits for it (drain.ts).
      // A click is stored only for a request that can still get its redirect: uWS calls this
      // handler as soon as the request's head is parsed and then reads on in the same packet; a
      // pipelined request (while this answer is pending) or a body it cannot frame
      // (`Content-Length: -1`, a bad chunk size) makes it close the connection. The outbox sends
      // clicks to its writer at the end of the event loop's turn, after that read, so the click
      // is taken back before it is stored — and its `done` never comes.
      waiting = true;
      drain.enter();
      const onAborted = () => {
        aborted = true;
        if (d.withdraw?.(done)) {
          d.onAbandoned?.();
          if (waiting) {
            waiting = false;
            drain.leave();
          }
        }
      };
      if (pending) pending.onAborted = onAborted;
      else res.onAborted(onAborted);
    }
  };

  // Forwarding headers from peers we do not trust are looked for in 1 request of
  // UNTRUSTED_SAMPLE, and never again once found: a proxy missing from server.trust_proxy
  // sends them on every request, so it is found within the first 64, for two header reads in
  // one request of 64.
  let watchUntrusted = d.onUntrustedForwarding !== undefined;
  let untrustedCountdown = 0;

  // The request being handled, for `forwarded`: one function for all requests instead of a
  // closure per request. Both are only valid during a handler's synchronous run.
  let current: HttpRequest | null = null;
  let currentScan: HeaderScan | null = null;
  let trustedPeer = false;
  const forwarded = (): ForwardingHeaders => {
    trustedPeer = true;
    currentScan ??= scanHeaders(current!);
    return currentScan;
  };

  const handle = (res: HttpResponse, req: HttpRequest, isHead: boolean) => {
    // A HEAD is redirected, not recorded, not rate-limited. A prefetch or prerender is not
    // redirected at all (below): a browser would reuse the redirect for the click.
    const noRecord = isHead;
    const prefetch = !isHead && isPrefetch(req.getHeader(SEC_PURPOSE), req.getHeader(PURPOSE), req.getHeader(X_MOZ), req.getHeader(X_PURPOSE));
    const id = req.getParameter(0) ?? '';
    if (!TRACKING_ID_PATTERN.test(id)) return fail(res, 'bad_request', null, acceptOf(req), isHead);

    // Two header reads on every request: a request without either has no body and nothing to
    // frame. Only one that declares a body is read line by line.
    let scan: HeaderScan | null = null;
    if (req.getHeader(CONTENT_LENGTH) !== '' || req.getHeader(TRANSFER_ENCODING) !== '') {
      scan = scanHeaders(req);
      const why = refusal(scan);
      if (why) return refuse(res, why, acceptOf(req), isHead);
    }
    // Before any lookup: whether the link exists is no business of a speculation.
    if (prefetch) {
      d.onPrefetch?.();
      counted(writePrefetchRefusal(res, hsts, drain.state !== OPEN));
      return;
    }
    const peer = peerAddress(res);
    current = req;
    currentScan = scan;
    trustedPeer = false;
    const clientIp = d.clientIp(peer, forwarded);
    scan = currentScan;
    current = null;
    currentScan = null;
    if (trustedPeer) {
      // The whole request was read for the proxy's headers anyway: a second Host line is caught
      // here for free. From other peers it would cost the full read on every request (README).
      if (scan!.hostLines > 1) return refuse(res, 'duplicate_host', acceptOf(req), isHead);
    } else if (watchUntrusted && untrustedCountdown-- === 0) {
      untrustedCountdown = UNTRUSTED_SAMPLE - 1;
      if (req.getHeader(X_FORWARDED_FOR) !== '' || req.getHeader(X_REAL_IP) !== '') {
        watchUntrusted = false;
        d.onUntrustedForwarding!(peer);
      }
    }
    if (d.rateLimit && !noRecord) {
      const wait = d.rateLimit(clientIp);
      if (wait > 0) return fail(res, 'too_many', id, acceptOf(req), isHead, wait);
    }
    const hit = d.lookup(id);
    if (hit && !hit.active) return fail(res, 'not_found', id, acceptOf(req), isHead);
    if (!hit && !d.lookupMiss) return unknown(res, id, acceptOf(req), isHead);
    const snap: Snapshot = {
      isHead,
      startedAt: requestStart,
      noRecord,
      // Needed later only by a fail-closed 503 or after a miss lookup.
      accept: d.failClosed || !hit ? acceptOf(req) : '',
      click: noRecord
        ? null
        : {
            trackingId: id,
            clientIp,
            userAgent: req.getHeader(USER_AGENT),
            referer: req.getHeader(REFERER),
            dnt: everyLine(req, 'dnt', req.getHeader(DNT)),
            gpc: everyLine(req, 'sec-gpc', req.getHeader(SEC_GPC)),
            optedOut: optedOutOnAnyLine(req, req.getHeader(COOKIE)),
            rawQuery: req.getQuery() ?? '',
            receivedAt: new Date(),
          },
    };
    if (hit) return serveHit(res, snap, hit.url, true, null);

    const pending = abortState(res);
    // A stop waits for the lookup's answer too; leave() after serveHit, which may enter() again.
    drain.enter();
    d.lookupMiss!(id, clientIp)
      .then(
        (found) => {
          if (pending.aborted) return;
          requestStart = snap.startedAt;
          if (found && 'retryAfterSeconds' in found) res.cork(() => fail(res, 'unavailable', id, snap.accept, isHead, found.retryAfterSeconds));
          else if (found?.active) serveHit(res, snap, found.url, false, pending);
          else if (found) res.cork(() => fail(res, 'not_found', id, snap.accept, isHead));
          else res.cork(() => unknown(res, id, snap.accept, isHead));
        },
        () => {
          // A lookup that threw (a bug: it never should) said nothing about the link either.
          requestStart = snap.startedAt;
          if (!pending.aborted) res.cork(() => fail(res, 'unavailable', id, snap.accept, isHead, 1));
        },
      )
      .finally(() => drain.leave());
  };

  // A bug must cost one request, not the process: uWS terminates the process when a
  // handler returns without answering, so an exception is answered here.
  const guarded = (res: HttpResponse, req: HttpRequest, isHead: boolean) => {
    requestStart = (++requests & TIMED_MASK) === 0 ? performance.now() : 0;
    try {
      handle(res, req, isHead);
    } catch (err) {
      d.onError(err);
      fail(res, 'internal', null, req.getHeader('accept'), isHead); // still synchronous: req is alive
    } finally {
      requestStart = 0; // an answer still to come (durable, miss lookup) takes it from its snapshot
    }
  };
  app.get('/track/:id', (res, req) => guarded(res, req, false));
  app.head('/track/:id', (res, req) => guarded(res, req, true));
  // The id is the one required field of /track: without it the guide's 400 names it.
  app.get('/track/', (res, req) => fail(res, 'missing_id', null, req.getHeader('accept'), false));
  app.head('/track/', (res) => fail(res, 'missing_id', null, '', true));
  if (d.optOutPages) addOptOutRoutes(app, { pages: d.optOutPages, tls: d.tls !== null, behindProxy: d.behindProxy === true, hsts, onAnswer: (status) => d.onAnswer(status, 0) });
  // Other methods on a /track URL: 405 with Allow (RFC 9110 §15.5.6), nothing recorded.
  app.any('/track/:id', (res, req) => {
    const id = req.getParameter(0) ?? '';
    fail(res, 'method_not_allowed', TRACKING_ID_PATTERN.test(id) ? id : null, req.getHeader('accept'), false);
  });
  app.any('/*', (res, req) => {
    fail(res, 'not_found', null, req.getHeader('accept'), req.getMethod() === 'head');
  });
  return app;
}


interface Snapshot {
  isHead: boolean;
  startedAt: number;
  /** HEAD: redirected, never recorded. */
  noRecord: boolean;
  accept: string;
  click: RawClick | null;
}
