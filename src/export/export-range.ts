/**
 * --since / --until of `clickrelay export`. clicked_at is stored as ISO 8601 UTC with
 * milliseconds and compared as text, so a bound is normalised to exactly that form. A bound
 * without a zone is taken as UTC, like every time clickrelay stores: an export must not
 * change with the TZ of the shell that ran it.
 */

const ISO_LIKE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The bound as stored-form ISO text, or null when `value` is not an ISO 8601 date or time. */
export function parseTimeBound(value: string): string | null {
  const m = ISO_LIKE.exec(value.trim());
  if (!m) return null;
  const [, date, time, zone] = m;
  const text = time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone ?? 'Z'}`;
  const ms = Date.parse(text.toUpperCase());
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Date.parse rolls 2025-02-30 over to March: a date that does not exist is a typo.
  return time === undefined && iso.slice(0, 10) !== date ? null : iso;
}
