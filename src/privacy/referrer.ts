/**
 * Referrer reduction (privacy.referrer). A full referrer can carry a search query, a
 * mailbox path or a session token, so by default only its origin is kept: enough to say
 * "came from mail.google.com", nothing about what the person was reading.
 */

export type ReferrerMode = 'origin' | 'full' | 'none';

/** The guide's referrer_url is VARCHAR(1000). */
export const MAX_REFERRER_LENGTH = 1000;

/**
 * The referrer as a URL, or null when absent, unparseable or not http(s). Browsers only
 * send http(s) referrers; `javascript:`, `data:`, `file:` and the like are forged or
 * broken and could smuggle script or arbitrary data into stored text, so they are
 * treated as no referrer at all.
 */
export function parseHttpReferrer(raw: string | undefined): URL | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw); // the URL parser itself drops surrounding whitespace and controls
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
}

/** `reduceReferrer` for an already parsed referrer (the normalizer parses once for both uses). */
export function reduceParsedReferrer(url: URL | null, mode: ReferrerMode): string | null {
  if (url === null || mode === 'none') return null;
  // URL.origin is "scheme://host[:port]" with a default port omitted and the host in
  // canonical (lower-case, punycode) form: no path, query, userinfo or fragment.
  if (mode === 'origin') return url.origin;
  // Userinfo is a credential and a fragment never reaches the server legitimately.
  // Cut a copy, not `url`: the caller may still read the parsed host from it.
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  const href = copy.href;
  if (href.length <= MAX_REFERRER_LENGTH) return href;
  // href is ASCII (URL serialization percent-encodes), so slicing cannot split a character.
  // An origin too long to keep whole would leave an unparseable stub: store nothing.
  return url.origin.length < MAX_REFERRER_LENGTH ? href.slice(0, MAX_REFERRER_LENGTH) : null;
}

/** The referrer as privacy.referrer allows it to be stored, or null. */
export function reduceReferrer(raw: string | undefined, mode: ReferrerMode): string | null {
  return mode === 'none' ? null : reduceParsedReferrer(parseHttpReferrer(raw), mode);
}

/**
 * For the audit: could `stored` have been produced under `mode`? NULL always could.
 * `origin`: exactly an http(s) origin. `full`: an http(s) URL within the length cap,
 * without userinfo or fragment (an origin is within `full` too).
 */
export function referrerIsWithinPolicy(stored: string | null, mode: ReferrerMode): boolean {
  if (stored === null) return true;
  if (mode === 'none') return false;
  const url = parseHttpReferrer(stored);
  if (url === null) return false;
  if (mode === 'origin') return url.origin === stored;
  return (
    stored.length <= MAX_REFERRER_LENGTH &&
    url.username === '' &&
    url.password === '' &&
    !stored.includes('#')
  );
}
