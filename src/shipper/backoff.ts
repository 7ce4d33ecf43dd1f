/**
 * How long to wait before trying again. Pure functions; the clock and the dice are passed in.
 */

/**
 * Capped exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)).
 * Full jitter spreads the retries of many senders (or many batches of one sender) after a
 * shared outage, instead of having them hammer the recovering server in lock-step
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 40));
  return Math.floor(clamp01(random()) * ceiling);
}

/**
 * The wait a `Retry-After` header asks for, in ms, or null when it is absent or unreadable.
 * RFC 9110 §10.2.3: either delay-seconds (1*DIGIT) or an HTTP-date; a date in the past means
 * "now". Of the three date forms, IMF-fixdate and RFC 850 name GMT; asctime names no zone
 * but is GMT too, which Date.parse would otherwise read as local time.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined | null, nowMs: number): number | null {
  const raw = typeof value === 'string' ? value : value?.[0];
  if (raw === undefined) return null;
  const v = raw.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isFinite(seconds) ? seconds * 1000 : null;
  }
  // Only things shaped like one of the three HTTP-date forms; Date.parse accepts far more.
  if (!/^[A-Za-z]{3,9},? /.test(v)) return null;
  const withZone = /\b(GMT|UTC)\b/i.test(v) ? v : `${v} GMT`;
  const at = Date.parse(withZone);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * The delay before retry number `attempt` (0 = first retry). A server's Retry-After is obeyed
 * up to the cap (a server asking for an hour must not stall shipping past max_backoff_ms), and
 * never below a small jittered floor, so "Retry-After: 0" cannot turn into a hot loop.
 */
export function retryDelay(p: { attempt: number; retryAfterMs: number | null; baseMs: number; capMs: number; random: () => number }): number {
  if (p.retryAfterMs !== null) {
    const floor = Math.floor(clamp01(p.random()) * p.baseMs);
    return Math.min(p.capMs, Math.max(p.retryAfterMs, floor));
  }
  return backoffDelay(p.attempt, p.baseMs, p.capMs, p.random);
}

function clamp01(x: number): number {
  return x < 0 || Number.isNaN(x) ? 0 : x >= 1 ? 0.9999999999999999 : x;
}
