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
 * The delay before retry number `attempt` (0 = first retry). A server's Retry-After is obeyed
 * up to the cap (a server asking for an hour must not stall shipping past max_backoff_ms), and
 * never below a small jittered floor (Retry-After itself is read by the HTTP adapter,
 * src/main-system/http/click-answers.ts), so "Retry-After: 0" cannot turn into a hot loop.
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
