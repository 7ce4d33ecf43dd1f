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
  const input = `${day}\0${truncatedIp}\0${reducedUa}`;
  let memo = memos.get(key);
  if (memo === undefined) memos.set(key, (memo = new Map()));
  let id = memo.get(input);
  if (id === undefined) {
    id = `s_${createHmac('sha256', key).update(input).digest('hex').slice(0, 32)}`;
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(input, id);
  }
  return id;
}

/**
 * An HMAC costs ~2 µs (a fresh OpenSSL context per call), yet a session id repeats by
 * definition: every click of one network prefix and browser family on one day has the same.
 * So ids are remembered per key object, in a bounded map cleared when full. Only what is
 * stored anyway is kept (truncated address, reduced UA, day, the id), and the map goes with
 * its key: held weakly, it is dropped once the key store lets go of a deleted key.
 */
const memos = new WeakMap<Buffer, Map<string, string>>();
const MEMO_LIMIT = 4096;
