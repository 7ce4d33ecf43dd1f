/**
 * clicked_at text. Date#toISOString is one of the dearer steps of the normalizer, yet under
 * load consecutive clicks share the same second; so the text up to the second is
 * remembered and only the milliseconds are formatted. The result is exactly
 * toISOString's (a test compares them), so this stays a pure function.
 */

let cachedSecond = Number.NaN;
let cachedPrefix = ''; // "YYYY-MM-DDTHH:MM:SS."
let cachedDay = ''; // "YYYY-MM-DD" of cachedSecond: one string object per second, so Map keys hash once

/** "YYYY-MM-DD" of `date` in UTC, the same string object for every date within one second. */
export function isoDay(date: Date): string {
  if (Math.floor(date.getTime() / 1000) !== cachedSecond) isoTimestamp(date);
  return cachedDay;
}

/** ISO 8601 UTC with milliseconds, identical to `date.toISOString()`. */
export function isoTimestamp(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== cachedSecond) {
    const iso = date.toISOString(); // also the path that throws RangeError for an invalid date
    cachedSecond = second;
    cachedPrefix = iso.slice(0, -4);
    cachedDay = iso.slice(0, 10);
    return iso;
  }
  const millis = time - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
