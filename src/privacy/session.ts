/**
 * session_id (contract, "Derived fields"): a keyed hash of (truncated IP, reduced UA, UTC
 * day). Within a day clicks from the same network and browser family group together;
 * across days, or without the key (which never leaves <data_dir>/session-keys and is
 * deleted after 48 h), the ids cannot be linked or reversed by guessing inputs.
 */
import { createHmac } from 'node:crypto';
import { isoDay } from './timestamp.js';

/**
 * "YYYY-MM-DD" of `date` in UTC: the day whose session key applies. Picked per request, so
 * it comes from isoTimestamp's per-second cache (one string per second, not one per call).
 */
export function utcDay(date: Date): string {
  return isoDay(date);
}

/**
 * "s_" + 32 hex chars (128 bits of HMAC-SHA256): collisions are negligible at any click
 * volume and the id fits the guide's VARCHAR(100) with room to spare. Fields are joined
 * with NUL, which none of them can contain, so ("a", "bc") and ("ab", "c") differ.
 */
export function sessionId(key: Buffer, truncatedIp: string, reducedUa: string, day: string): string {
  let memo = memos.get(key);
  if (memo === undefined) memos.set(key, (memo = { size: 0, days: new Map() }));
  let byIp = memo.days.get(day);
  if (byIp === undefined) memo.days.set(day, (byIp = new Map()));
  let byUa = byIp.get(truncatedIp);
  if (byUa === undefined) byIp.set(truncatedIp, (byUa = new Map()));
  let id = byUa.get(reducedUa);
  if (id === undefined) {
    id = `s_${createHmac('sha256', key).update(`${day}\0${truncatedIp}\0${reducedUa}`).digest('hex').slice(0, 32)}`;
    if (memo.size >= MEMO_LIMIT) {
      memo.days.clear();
      memo.size = 0;
      memo.days.set(day, (byIp = new Map()));
      byIp.set(truncatedIp, (byUa = new Map()));
    }
    byUa.set(reducedUa, id);
    memo.size++;
  }
  return id;
}

/**
 * An HMAC needs a fresh OpenSSL context per call, yet a session id repeats by definition:
 * every click of one network prefix and browser family on one day has the same. So ids are
 * remembered per key object, in bounded maps cleared when full. They are nested by day,
 * address and user agent rather than keyed by the joined input: the three arrive as strings
 * the click path already shares (isoDay, truncateV4, the user-agent memo), whose hashes V8
 * keeps, while a joined key would be a new string to copy and hash on every click. Only what
 * is stored anyway is kept (truncated address, reduced UA, day, the id), and the maps go with
 * their key: held weakly, they are dropped once the key store lets go of a deleted key.
 */
interface SessionMemo {
  /** Ids held, over all days, addresses and user agents. */
  size: number;
  days: Map<string, Map<string, Map<string, string>>>;
}
const memos = new WeakMap<Buffer, SessionMemo>();
const MEMO_LIMIT = 4096;
