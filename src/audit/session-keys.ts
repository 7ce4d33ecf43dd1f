/**
 * The session-key rules: keys behind session_id are deleted 48 h after the start of their
 * UTC day (contract, "Derived fields"), and the file is 0600. Read-only: opening a
 * SessionKeyStore would tidy (rewrite) the file, and the audit must report what it found,
 * not fix it first.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_KEY_AGE_HOURS, SESSION_KEYS_FILE, SessionKeyStore } from '../keys/index.js';
import type { FileRule } from './rules.js';

export interface SessionKeyFindings {
  /** Hours since the start of the oldest key's day; null when there is no key. */
  oldest_age_hours: number | null;
  /** File mode as octal text ("600"), null when there is no file. */
  mode: string | null;
}

export function checkSessionKeys(dataDir: string, now: Date, graceHours: number, flag: (rule: FileRule, detail: string) => void): SessionKeyFindings {
  const file = join(dataDir, SESSION_KEYS_FILE);
  let mode: string | null = null;
  try {
    const m = statSync(file).mode & 0o777;
    mode = m.toString(8);
    if ((m & 0o077) !== 0) flag('session_key_mode', `${file} has mode ${mode}; session keys must be 0600`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let age: number | null = null;
  try {
    age = SessionKeyStore.oldestKeyAgeHours(dataDir, now);
  } catch (err) {
    flag('session_key_age', `${file} cannot be read, so key ages cannot be checked: ${(err as Error).message}`);
  }
  // The service deletes expired keys hourly (and at the first click of a day): between two
  // runs a key may be up to an hour past 48 h without anything being wrong.
  if (age !== null && age >= MAX_KEY_AGE_HOURS + graceHours) {
    const day = new Date(now.getTime() - age * 3_600_000).toISOString().slice(0, 10);
    flag('session_key_age', `the key of ${day} is ${age.toFixed(1)} h old and still in ${file} (deleted after ${MAX_KEY_AGE_HOURS} h)`);
  }
  return { oldest_age_hours: age === null ? null : Math.round(age * 10) / 10, mode };
}
