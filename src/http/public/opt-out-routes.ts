/**
 * The opt-out page on the public listener (contract: `GET /privacy/opt-out`,
 * `GET /privacy/opt-in` and their form posts). A person can say "do not record my clicks"
 * without being tracked to remember it: opting out sets one cookie whose value is the same
 * "1" for everybody, so it carries no identifier; it is the only cookie clickrelay sets, and
 * only on this explicit form post. Opting in deletes it. A /track click carrying it is
 * treated like an honoured DNT (privacy.dnt_mode).
 *
 * The pages are plain HTML forms (no script: the CSP forbids any), rendered at start-up from
 * the same policy as `clickrelay privacy-notice`, in the two states "recorded" / "opted out",
 * and again when a replaced country database is taken into use (they name it).
 * A post answers 303 to its page (post/redirect/get), so a reload does not re-post.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from '../uws.js';
import { OPT_OUT_COOKIE_NAME, OPT_OUT_MAX_AGE_SECONDS, type OptOutPagesHolder, type OptPage } from '../../notice/opt-out-cookie.js';
export type { OptOutPagesHolder } from '../../notice/opt-out-cookie.js';

export { OPT_OUT_COOKIE_NAME } from '../../notice/opt-out-cookie.js';
const OPT_OUT_PAIR = `${OPT_OUT_COOKIE_NAME}=1`;

export interface OptOutRouteDeps {
  /** Read per request: the owner swaps in pages naming a replaced country database. */
  pages: Readonly<OptOutPagesHolder>;
  /** Serving HTTPS: the cookie is marked Secure and HSTS is sent. */
  tls: boolean;
  /**
   * server.trust_proxy is set: a proxy is in front, assumed to terminate TLS (README, "Behind a
   * proxy"), so the cookie is Secure too, unless the request says `X-Forwarded-Proto: http`.
   */
  behindProxy?: boolean;
  hsts: string | null;
  onAnswer(status: number): void;
}

/**
 * Whether a Cookie header holds the opt-out cookie. Called for every click, so the usual
 * answers are cheap: no Cookie header (clickrelay's own domain normally has none) is one
 * comparison, and a header without the name one substring search.
 */
export function hasOptOutCookie(cookieHeader: string): boolean {
  if (cookieHeader === '' || !cookieHeader.includes(OPT_OUT_PAIR)) return false;
  for (const pair of cookieHeader.split(';')) if (pair.trim() === OPT_OUT_PAIR) return true;
  return false;
}

/**
 * The opt-out cookie on any Cookie line of the request. uWS gives the first line only; a client
 * may send several (HTTP/2 splits cookies into one field each, and a proxy translating to
 * HTTP/1.1 may keep them apart). The other lines are read only when the first one holds cookies
 * but not the opt-out: a request without a Cookie header (nearly every click on clickrelay's own
 * host) costs nothing more. An empty first line reads as an absent header and is not walked.
 */
export function optedOutOnAnyLine(req: HttpRequest, firstLine: string): boolean {
  if (firstLine === '') return false;
  if (hasOptOutCookie(firstLine)) return true;
  let found = false;
  req.forEach((name, value) => {
    if (!found && name === 'cookie' && hasOptOutCookie(value)) found = true;
  });
  return found;
}

/**
 * Whether a form post may change the cookie: only the page itself may (a login-CSRF-like post
 * from another site must not switch recording on or off for a visitor). `Sec-Fetch-Site` other
 * than same-origin is refused; a present `Origin` must name this host (browsers send it on every
 * cross-origin post, also those without Sec-Fetch-Site); a post with neither comes from no
 * browser's cross-site form and is allowed. `Origin: null` (a sandboxed frame, or a page under
 * Referrer-Policy no-referrer) passes only beside `Sec-Fetch-Site: same-origin`, which no page can
 * forge. The scheme is not compared: behind a proxy that ends TLS the page is https while
 * clickrelay sees http.
 */
export function sameOriginPost(secFetchSite: string, origin: string, host: string): boolean {
  if (secFetchSite !== '' && secFetchSite !== 'same-origin') return false;
  if (origin === '') return true;
  if (origin === 'null') return secFetchSite === 'same-origin';
  const m = /^https?:\/\/([^/]+)$/i.exec(origin);
  return m !== null && host !== '' && m[1]!.toLowerCase() === host.toLowerCase();
}

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function writePage(res: HttpResponse, status: string, html: string, hsts: string | null, isHead: boolean): void {
  res
    .writeStatus(status)
    .writeHeader('Content-Type', 'text/html; charset=utf-8')
    .writeHeader('Cache-Control', 'private, no-store')
    .writeHeader('X-Content-Type-Options', 'nosniff')
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the
    // page's own form post, which sameOriginPost could not tell from a sandboxed attacker's.
    .writeHeader('Referrer-Policy', 'same-origin')
    .writeHeader('Content-Security-Policy', PAGE_CSP);
  if (hsts) res.writeHeader('Strict-Transport-Security', hsts);
  if (isHead) res.endWithoutBody();
  else res.end(html);
}

export function addOptOutRoutes(app: TemplatedApp, d: OptOutRouteDeps): void {
  const cookies = (secure: string): Record<OptPage, string> => ({
    // Path=/ so that /track/ requests carry it; HttpOnly: no script needs it; Lax: it is sent
    // on the top-level navigation a click in a mail is.
    'opt-out': `${OPT_OUT_PAIR}; Path=/; Max-Age=${OPT_OUT_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
    'opt-in': `${OPT_OUT_COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`,
  });
  const secureCookie = cookies('; Secure');
  const plainCookie = cookies('');
  // A browser drops a Secure cookie set over plain HTTP: only a proxy saying so (or no TLS
  // anywhere) gets the plain one. Sent to the visitor's own browser only, so a forged header
  // weakens nobody else's cookie.
  const setCookieFor = (req: HttpRequest): Record<OptPage, string> =>
    d.tls || (d.behindProxy === true && req.getHeader('x-forwarded-proto').toLowerCase() !== 'http') ? secureCookie : plainCookie;

  for (const page of ['opt-out', 'opt-in'] as const) {
    const path = `/privacy/${page}`;
    const show = (res: HttpResponse, req: HttpRequest, isHead: boolean) => {
      writePage(res, '200 OK', d.pages.current[page][optedOutOnAnyLine(req, req.getHeader('cookie')) ? 1 : 0], d.hsts, isHead);
      d.onAnswer(200);
    };
    app.get(path, (res, req) => show(res, req, false));
    app.head(path, (res, req) => show(res, req, true));
    app.post(path, (res, req) => {
      // Another site's form must not switch recording back on (or off) for a visitor: browsers
      // say where a post came from in Sec-Fetch-Site and Origin; only the page itself may send this.
      const crossSite = !sameOriginPost(req.getHeader('sec-fetch-site'), req.getHeader('origin'), req.getHeader('host'));
      const setCookie = setCookieFor(req);
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      // The form has no fields; whatever body comes is read and ignored, then answered.
      res.onData((_chunk, isLast) => {
        if (!isLast || aborted) return;
        res.cork(() => {
          if (crossSite) {
            writePage(res, '403 Forbidden', d.pages.current[page][0].replace(/<form[\s\S]*?<\/form>/g, '<p><strong>This request came from another site and was refused.</strong> Use the button on this page.</p>'), d.hsts, false);
            d.onAnswer(403);
            return;
          }
          res.writeStatus('303 See Other').writeHeader('Location', path).writeHeader('Set-Cookie', setCookie[page]).writeHeader('Cache-Control', 'private, no-store');
          if (d.hsts) res.writeHeader('Strict-Transport-Security', d.hsts);
          res.end();
          d.onAnswer(303);
        });
      });
    });
  }
}
