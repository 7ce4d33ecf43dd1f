/**
 * The operator's country database, replaced without a restart: a monthly download renamed
 * over the file is read, checked like the first one (mmdb-country.ts) and swapped in. The
 * swap is one assignment, so a lookup uses either the old reader or the new one, never half
 * of each, and no request waits: the new file is read asynchronously and checked beside the
 * old one, which serves until then. A replacement that is refused (unreadable, wrong type, a
 * half-written copy) leaves the old database in use and is reported with
 * CR_ERR_COUNTRY_DB_REPLACEMENT; the next change of the file is tried again.
 *
 * The directory is watched, not the file: a rename over the file replaces its inode, which a
 * watch on the file itself would lose. fs.watch is not guaranteed on every file system (NFS,
 * some containers), so a slow poll of the file's identity backs it up.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ClickrelayError } from '../errors.js';
import type { CountryLookup } from '../privacy/policy.js';
import { loadCountryDatabase, type CountryDatabase } from './mmdb-country.js';

export interface CountryDbWatchEvents {
  /** A replacement was checked and is now in use. */
  swapped?(db: CountryDatabase, previous: CountryDatabase): void;
  /** A replacement was refused; `error.code` is CR_ERR_COUNTRY_DB_REPLACEMENT, its cause the check's own error. */
  refused?(error: ClickrelayError<'CR_ERR_COUNTRY_DB_REPLACEMENT'>, kept: CountryDatabase): void;
}

export interface CountryDbWatch {
  /** Looks the address up in whichever database is current. */
  readonly lookup: CountryLookup;
  current(): CountryDatabase;
  /** Checks the file now (also what a change notice or the poll does); resolves when done. */
  check(): Promise<void>;
  close(): void;
}

/** Writers touch a file several times while replacing it: changes within this window are one check. */
const SETTLE_MS = 100;
/** The backup poll for file systems without change notices. */
const DEFAULT_POLL_MS = 60_000;

/** What identifies one version of the file: a rename gives a new inode, an in-place copy a new size or time. */
async function identity(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null; // gone for a moment between unlink and rename: the next notice finds the new one
  }
}

export async function watchCountryDatabase(first: CountryDatabase, events: CountryDbWatchEvents = {}, opts: { pollMs?: number } = {}): Promise<CountryDbWatch> {
  let db = first;
  let seen = await identity(first.file);
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let settle: NodeJS.Timeout | null = null;

  async function checkOnce(): Promise<void> {
    const now = await identity(db.file);
    if (now === null || now === seen) return;
    seen = now;
    try {
      const next = await loadCountryDatabase(db.file);
      if (closed) return;
      const previous = db;
      db = next;
      events.swapped?.(next, previous);
    } catch (err) {
      if (closed) return;
      const error = new ClickrelayError('CR_ERR_COUNTRY_DB_REPLACEMENT', `the replaced country database ${db.file} is refused, the one built ${db.builtAt.toISOString()} stays in use: ${(err as Error).message}`, { cause: err });
      events.refused?.(error, db);
    }
  }

  /** One check at a time; a change during a check is checked after it. */
  function check(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (again && !closed);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const name = basename(first.file);
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(first.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (settle) clearTimeout(settle);
      settle = setTimeout(() => void check(), SETTLE_MS);
      settle.unref();
    });
    watcher.on('error', () => undefined); // the directory went away: the poll keeps trying
  } catch {
    watcher = null; // no change notices here: the poll alone
  }
  const poll = setInterval(() => void check(), opts.pollMs ?? DEFAULT_POLL_MS);
  poll.unref();

  return {
    lookup: (ip) => db.lookup(ip),
    current: () => db,
    check,
    close() {
      closed = true;
      watcher?.close();
      clearInterval(poll);
      if (settle) clearTimeout(settle);
    },
  };
}
