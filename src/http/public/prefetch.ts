/**
 * Speculative requests: a browser fetching a link because it might be followed, not because
 * a person followed it. They are answered 503 and never recorded (responses.ts,
 * writePrefetchRefusal): a redirect would be kept and reused when the person clicks, and the
 * click would never reach us; an error is not kept, so the click comes for real.
 * clickrelay_clicks_dropped_total{reason="prefetch"} counts them.
 *
 * The spellings in use: `Sec-Purpose: prefetch` (Fetch standard; Chromium's speculation
 * rules, also `prefetch;prerender` and `prefetch;anonymous-client-ip`), `Purpose: prefetch`
 * (Chromium's <link rel=prefetch> before Sec-Purpose), `X-Moz: prefetch` (Firefox) and
 * `X-Purpose: preview` (Safari's previews). Values are matched case-insensitively by their
 * first token, so parameters after ";" do not matter.
 */

function firstToken(value: string): string {
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/** The four header values as read ("" when absent). */
export function isPrefetch(secPurpose: string, purpose: string, xMoz: string, xPurpose: string): boolean {
  if (secPurpose === '' && purpose === '' && xMoz === '' && xPurpose === '') return false; // every real click
  const t = firstToken(secPurpose);
  if (t === 'prefetch' || t === 'prerender') return true;
  if (firstToken(purpose) === 'prefetch' || firstToken(xMoz) === 'prefetch') return true;
  const x = firstToken(xPurpose);
  return x === 'preview' || x === 'prefetch';
}
