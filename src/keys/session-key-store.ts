/**
 * The daily session keys (contract, "Derived fields"): `<data_dir>/session-keys`, mode
 * 0600, JSON `{ "YYYY-MM-DD": "<64 hex chars>" }`. A key is random, made on the first
 * click of its UTC day and deleted once it is 48 h past the start of that day, which
 * makes session ids stable across restarts within a day and unlinkable across days.
 * The key never goes into outbox.db: whoever holds a copy of the outbox still cannot
 * test guesses of (IP, UA) against its session ids.
 *
 * This is the one I/O piece of the privacy rules, so it lives outside src/privacy/.
 * I/O is synchronous on purpose: it happens once per day (and at open), and keyFor must
 * hand the hot path a key without a callback.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ensureDataDir } from '../fs/data-dir.js';

export const SESSION_KEYS_FILE = 'session-keys';
/** Keys are deleted once this many hours past the start of their UTC day. */
export const MAX_KEY_AGE_HOURS = 48;

const HOUR_MS = 3_600_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HEX_KEY = /^[0-9a-f]{64}$/;

export interface SessionKeyStoreOptions {
  /** Clock for the 48 h rule; tests move it. */
  now?: () => Date;
}

function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

function isDay(day: string): boolean {
  return DAY.test(day) && !Number.isNaN(dayStartMs(day));
}

/** Reads the file; `problem` says why it (or an entry) was unusable. */
function readKeys(file: string): { keys: Map<string, Buffer>; problem: string | null } {
  const keys = new Map<string, Buffer>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { keys, problem: null };
    throw err; // unreadable (permissions, I/O error): the operator must know, not us guess
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { keys, problem: `${file} is not valid JSON; starting with fresh keys` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { keys, problem: `${file} is not a JSON object; starting with fresh keys` };
  }
  let problem: string | null = null;
  for (const [day, hex] of Object.entries(parsed)) {
    if (isDay(day) && typeof hex === 'string' && HEX_KEY.test(hex)) keys.set(day, Buffer.from(hex, 'hex'));
    else problem = `${file} held an invalid entry "${day}"; it was dropped`;
  }
  return { keys, problem };
}

/**
 * Atomic and durable replace: a crash leaves either the old file or the new one, never half
 * a key (which would silently change every session id of the day). Durable includes the
 * folder's fsync: a rename lost in a power cut brings back a file without today's key, and
 * the day's later clicks would get session ids unrelated to its earlier ones.
 */
function writeKeysAtomically(file: string, keys: ReadonlyMap<string, Buffer>): void {
  const body = JSON.stringify(Object.fromEntries([...keys].map(([day, key]) => [day, key.toString('hex')])));
  writeFileAtomic(file, body, { durable: true });
}

export class SessionKeyStore {
  private readonly file: string;
  private readonly now: () => Date;
  private readonly keys: Map<string, Buffer>;
  // The hot path: after the first click of a day keyFor is one string comparison.
  private currentDay = '';
  private currentKey: Buffer = Buffer.alloc(0);
  /** Why the file on disk was (partly) discarded at open, for the caller to log; null if it was fine. */
  readonly recovered: string | null;

  private constructor(dir: string, now: () => Date) {
    this.file = join(dir, SESSION_KEYS_FILE);
    this.now = now;
    const { keys, problem } = readKeys(this.file);
    this.keys = keys;
    this.recovered = problem;
  }

  /** Opens (and tidies) `<dataDir>/session-keys`, creating dataDir if needed. */
  static open(dataDir: string, options: SessionKeyStoreOptions = {}): SessionKeyStore {
    ensureDataDir(dataDir);
    const store = new SessionKeyStore(dataDir, options.now ?? (() => new Date()));
    // Expired keys left by a process that stopped before midnight go now, and a file
    // with loose permissions or a dropped entry is rewritten 0600.
    store.purgeExpired(true);
    return store;
  }

  /**
   * The key for UTC day `day` ("YYYY-MM-DD"), made and persisted on first use. A day
   * whose key would already be past 48 h (a click queued across two midnights) gets a
   * throwaway key that is never stored: its session id is then unlinkable, which is
   * what the 48 h rule promises anyway.
   */
  keyFor(day: string): Buffer {
    if (day === this.currentDay) return this.currentKey;
    if (!isDay(day)) throw new RangeError(`session key day must be YYYY-MM-DD, got "${day}"`);
    if (this.isExpired(day, this.now().getTime())) {
      this.purgeExpired();
      return randomBytes(32);
    }
    let key = this.keys.get(day);
    if (key === undefined) {
      key = randomBytes(32);
      this.keys.set(day, key);
      this.purgeExpired(true);
    }
    if (day >= this.currentDay) {
      this.currentDay = day;
      this.currentKey = key;
    }
    return key;
  }

  /**
   * Deletes keys past 48 h and rewrites the file if anything changed (or `force`).
   * keyFor does this on every rotation; a service that can go a whole day without
   * clicks should also call it periodically (e.g. on its sync schedule), or an idle
   * store keeps an expired key on disk and the audit reports it.
   */
  purgeExpired(force = false): void {
    const nowMs = this.now().getTime();
    let changed = force;
    for (const day of this.keys.keys()) {
      if (this.isExpired(day, nowMs)) {
        this.keys.delete(day);
        changed = true;
      }
    }
    if (this.currentDay !== '' && !this.keys.has(this.currentDay)) {
      this.currentDay = '';
      this.currentKey = Buffer.alloc(0);
    }
    if (!changed && this.unsaved === null) return;
    try {
      writeKeysAtomically(this.file, this.keys);
      this.unsaved = null;
    } catch (err) {
      // A full disk must not stop redirects (keyFor runs on the hot path) nor start-up: the
      // keys stay in memory and the write is tried again at the next purge or rotation.
      this.unsaved = `${this.file} could not be written (${(err as Error).message}); session keys are kept in memory until it can`;
    }
  }

  /** Why the last rewrite of the file failed (disk full…); null once it is written. */
  unsaved: string | null = null;

  /** Days that currently have a key, oldest first. */
  listKeyDays(): string[] {
    return [...this.keys.keys()].sort();
  }

  private isExpired(day: string, nowMs: number): boolean {
    return nowMs - dayStartMs(day) >= MAX_KEY_AGE_HOURS * HOUR_MS;
  }

  /**
   * For the audit (read-only): hours from the start of the oldest key's UTC day to `now`,
   * or null when there is no key file or no key. Above MAX_KEY_AGE_HOURS is a violation.
   */
  static oldestKeyAgeHours(dataDir: string, now: Date): number | null {
    const { keys } = readKeys(join(dataDir, SESSION_KEYS_FILE));
    let oldest: number | null = null;
    for (const day of keys.keys()) {
      const age = (now.getTime() - dayStartMs(day)) / HOUR_MS;
      if (oldest === null || age > oldest) oldest = age;
    }
    return oldest;
  }
}
