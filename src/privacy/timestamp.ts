/**
 * clicked_at text. Date#toISOString costs ~0.45 µs, a tenth of the whole normalizer, yet
 * under load consecutive clicks share the same second; so the text up to the second is
 * remembered and only the milliseconds are formatted. The result is exactly
 * toISOString's (a test compares them), so this stays a pure function.
 */

let cachedSecond = Number.NaN;
let cachedPrefix = ''; // "YYYY-MM-DDTHH:MM:SS."

/** ISO 8601 UTC with milliseconds, identical to `date.toISOString()`. */
export function isoTimestamp(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== cachedSecond) {
    const iso = date.toISOString(); // also the path that throws RangeError for an invalid date
    cachedSecond = second;
    cachedPrefix = iso.slice(0, -4);
    return iso;
  }
  const millis = time - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
