/**
 * The opt-out cookie and the pages' shape: what the notice promises and the public
 * listener's opt-out routes (src/http/public/opt-out-routes.ts) serve, declared once here so
 * the routes depend on the notice and never the other way round.
 */
/** name=value of the opt-out cookie, exactly as set. */
export const OPT_OUT_COOKIE_NAME = 'clickrelay_opt_out';
/** Browsers cap a cookie's lifetime at 400 days (RFC 6265bis); asking for more gains nothing. */
export const OPT_OUT_MAX_AGE_SECONDS = 400 * 86_400;

export type OptPage = 'opt-out' | 'opt-in';

/**
 * Each page's HTML for a visitor who is not, and who is, opted out. Plain strings: the main
 * thread renders them once and hands the same text to every serving thread (a structured
 * clone), so the other threads need not load the notice and what it reads.
 */
export type OptOutPages = Readonly<Record<OptPage, readonly [notOptedOut: string, optedOut: string]>>;

/**
 * The pages a serving thread serves now. They name the country database in use and its
 * licence, so its owner replaces them whole when that database is replaced; the routes read
 * `current` on each request, one property read, and never hold on to an older set.
 */
export interface OptOutPagesHolder {
  current: OptOutPages;
}

