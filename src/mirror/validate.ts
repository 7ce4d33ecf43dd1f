/**
 * One rule book for every link that enters the mirror — from a full sync, the links
 * file or a miss lookup — because the mirror's URLs become `Location` headers: a bad
 * one is an open redirect, a header-injection vector or a broken page.
 *
 * Required fields are strict (the guide marks them Required): a row failing one is
 * skipped and counted under a stable snake_case reason. Optional fields are
 * informational (the redirect never reads them), so a wrong-typed one becomes null
 * instead of costing the link.
 */
import { TRACKING_ID_PATTERN, type LinkInfo } from '../types.js';

/** The contract's id shape, shared with the redirect (src/types.ts). */
export { TRACKING_ID_PATTERN };

/** The guide's `original_url VARCHAR(1000)`. */
export const MAX_URL_LENGTH = 1000;

export const REJECT_REASONS = [
  'not_an_object',
  'missing_tracking_id',
  'bad_tracking_id',
  'missing_original_url',
  'bad_original_url',
  'url_too_long',
  'url_has_control_chars',
  'url_has_whitespace',
  'url_not_absolute',
  'bad_url_scheme',
  'url_missing_host',
  'url_has_credentials',
  'missing_is_active',
  'bad_is_active',
  'duplicate_tracking_id',
  'bad_json',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * A link as the mirror stores it: the shared LinkInfo plus the two guide columns
 * (`redirect_url`, `created_by`) that only mirror.db keeps.
 */
export type MirrorLink = LinkInfo & { redirect_url?: string | null; created_by?: string | null };

export type ValidateResult = { ok: true; link: MirrorLink } | { ok: false; reason: RejectReason };

// C0 (CR/LF/TAB included), DEL and C1 controls, and the invisible format characters
// (zero-width space/joiners, word joiner, BOM), then every Unicode space (U+0020, NBSP,
// U+2000–U+200A, U+2028/9, U+3000…): none is legal unescaped in a URL, and browsers strip
// or reinterpret them silently, so a URL carrying one could mean something else to the
// browser than to us. Told apart because the fixes differ: a space is usually a main
// system that did not percent-encode, a control character an injection attempt.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff]/u;
const WHITESPACE = /\s/u;

const OPTIONAL_STRING_FIELDS = ['job_id', 'application_id', 'link_function', 'link_type', 'description', 'created_at', 'redirect_url', 'created_by'] as const;

export function validateLink(raw: unknown): ValidateResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not_an_object' };
  const r = raw as Record<string, unknown>;

  const id = r['tracking_id'];
  if (id === undefined || id === null) return { ok: false, reason: 'missing_tracking_id' };
  if (typeof id !== 'string' || !TRACKING_ID_PATTERN.test(id)) return { ok: false, reason: 'bad_tracking_id' };

  const url = checkUrl(r['original_url']);
  if (typeof url !== 'string') return url;

  const active = r['is_active'];
  if (active === undefined || active === null) return { ok: false, reason: 'missing_is_active' };
  if (typeof active !== 'boolean') return { ok: false, reason: 'bad_is_active' };

  const link: MirrorLink = { tracking_id: id, original_url: url, is_active: active };
  for (const f of OPTIONAL_STRING_FIELDS) {
    const v = r[f];
    link[f] = typeof v === 'string' ? v : null;
  }
  return { ok: true, link };
}

/** The URL to redirect to (WHATWG-serialized), or why not. */
function checkUrl(v: unknown): string | { ok: false; reason: RejectReason } {
  if (v === undefined || v === null || v === '') return { ok: false, reason: 'missing_original_url' };
  if (typeof v !== 'string') return { ok: false, reason: 'bad_original_url' };
  if (v.length > MAX_URL_LENGTH) return { ok: false, reason: 'url_too_long' };
  if (CONTROL.test(v)) return { ok: false, reason: 'url_has_control_chars' };
  if (WHITESPACE.test(v)) return { ok: false, reason: 'url_has_whitespace' };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { ok: false, reason: 'url_not_absolute' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, reason: 'bad_url_scheme' };
  // Unreachable for http(s) with today's WHATWG parser (it refuses an empty host), kept
  // so a parser change cannot let a hostless URL through.
  if (u.hostname === '') return { ok: false, reason: 'url_missing_host' };
  // `https://bank.example@evil.example/` reads as bank.example to a person and goes to
  // evil.example; a job-application link has no business carrying credentials.
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'url_has_credentials' };
  // The serialized form, not the input: it is pure ASCII (punycode host, percent-encoded
  // path), which is what a Location header may carry, and it is what a browser would
  // navigate to anyway.
  return u.href;
}
