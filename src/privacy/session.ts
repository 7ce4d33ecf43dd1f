/**
 * session_id (contract, "Derived fields"): a keyed hash of (truncated IP, reduced UA, UTC
 * day). Within a day clicks from the same network and browser family group together;
 * across days, or without the key (which never leaves <data_dir>/session-keys and is
 * deleted after 48 h), the ids cannot be linked or reversed by guessing inputs.
 */
import { createHmac } from 'node:crypto';
import { isoTimestamp } from './timestamp.js';

/**
 * "YYYY-MM-DD" of `date` in UTC: the day whose session key applies. The caller picks the
 * key with this per request, so it shares isoTimestamp's per-second cache.
 */
export function utcDay(date: Date): string {
  return isoTimestamp(date).slice(0, 10);
}

/**
 * "s_" + 32 hex chars (128 bits of HMAC-SHA256): collisions are negligible at any click
 * volume and the id fits the guide's VARCHAR(100) with room to spare. Fields are joined
 * with NUL, which none of them can contain, so ("a", "bc") and ("ab", "c") differ.
 */
export function sessionId(key: Buffer, truncatedIp: string, reducedUa: string, day: string): string {
  const mac = createHmac('sha256', key).update(`${day}\0${truncatedIp}\0${reducedUa}`).digest('hex');
  return `s_${mac.slice(0, 32)}`;
}
