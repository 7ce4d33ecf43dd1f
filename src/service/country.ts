/**
 * privacy.country = "country" in `serve`: the database opened once at start (a wrong or
 * unreadable file stops the start with its code, a configuration mistake: exit 2), its build
 * date as a metric, a warning once per database when it is older than
 * privacy.country_db_max_age_days, and — for the operator's file — a watch that swaps in a
 * replaced file without a restart (no request waits: lookups go through the watch, which
 * answers from whichever database is current). The bundled package never changes while
 * running, so it is not watched. With server.threads > 1 the serving threads read the bytes
 * read here (country/country-share.ts): a replacement accepted here goes to every thread, and
 * is logged as swapped, with its metric, once every thread has it in use; one refused here
 * never leaves this thread. What names the database to visitors (the opt-out pages) is told
 * of each replacement first, so it goes to the threads with it.
 */
import { openCountryDb } from '../country/country-db.js';
import { shareCountryDatabase, type CountryShare } from '../country/country-share.js';
import { countryDbStatus, type CountryDbStatus } from '../country/country-status.js';
import { watchCountryDatabase, type CountryDbWatch } from '../country/country-watch.js';
import type { CountryDatabase } from '../country/mmdb-country.js';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { CountryLookup } from '../privacy/policy.js';

/** Which database is in use, as the privacy notice names it and its licence. */
export interface CountryInUse {
  bundled: boolean;
  file: string;
  databaseType: string;
}

export interface CountryService {
  lookup: CountryLookup;
  /** The database in use now, as the privacy notice names it. */
  inUse(): CountryInUse;
  /**
   * Each accepted replacement, at once and before it goes to the serving threads (publishTo),
   * so what is rebuilt from it here can travel with it.
   */
  onReplaced(replaced: (now: CountryInUse) => void): void;
  /** The database in use now, as status and the status page show it. */
  status(now?: Date): CountryDbStatus;
  /** The database in use now, for a serving thread k ≥ 1 (its bytes in shared memory). */
  share(): CountryShare;
  /**
   * With server.threads > 1: each accepted replacement goes to `publish` (the serving
   * threads), and is logged as swapped, with its metric, once it resolves (every thread has
   * it in use); what it resolves with are the threads that could not take it.
   */
  publishTo(publish: (share: CountryShare) => Promise<string[]>): void;
  close(): void;
}

/** Opens the database (throws its coded error at start); null when privacy.country is off. */
export function openCountryFor(s: Settings): ReturnType<typeof openCountryDb> | null {
  return s.privacy.country === 'country' ? openCountryDb(s.privacy.country_db) : null;
}

export async function countryService(db: ReturnType<typeof openCountryDb>, s: Settings, log: Logger, m: Metrics): Promise<CountryService> {
  const maxAge = s.privacy.country_db_max_age_days;
  const { bundled, file } = db;
  const statusOf = (d: CountryDatabase, now = new Date()) => countryDbStatus({ file: d.file, builtAt: d.builtAt, databaseType: d.databaseType, bundled }, now, maxAge);
  /** Notes a database taking service: the metric, and the stale warning once for it. */
  const inUse = (d: CountryDatabase): void => {
    m.countryDbBuild.set(d.builtAt.getTime() / 1000);
    const st = statusOf(d);
    if (st.warning) log.warn({ event: 'country_db_stale', code: 'CR_ERR_COUNTRY_DB_STALE', file: d.file, built_at: st.built_at, age_days: st.age_days, max_age_days: maxAge }, st.warning.replace(/^CR_ERR_COUNTRY_DB_STALE: /, ''));
  };
  log.info({ event: 'country_db_loaded', file: db.file, built_at: db.builtAt, database_type: db.databaseType, bundled }, `country database ${db.file} (built ${db.builtAt})`);
  inUse(db.database);
  // Nothing below keeps `db` itself: once replaced, the first database's bytes are freed.
  const fixed = bundled ? db.database : null;
  let generation = 0;
  let publish: ((share: CountryShare) => Promise<string[]>) | null = null;
  let onReplaced: ((now: CountryInUse) => void) | null = null;
  let watch: CountryDbWatch | null = null;
  const current = (): CountryDatabase => (watch ? watch.current() : fixed!);
  const named = (d: CountryDatabase): CountryInUse => ({ bundled, file: d.file, databaseType: d.databaseType });
  if (!bundled) {
    watch = await watchCountryDatabase(db.database, {
      swapped(next, previous) {
        generation++;
        onReplaced?.(named(next));
        const taken = publish ? publish(shareCountryDatabase(next, generation)) : Promise.resolve([]);
        void taken.then((refusedBy) => {
          for (const why of refusedBy) log.error({ event: 'country_db_refused', code: 'CR_ERR_COUNTRY_DB_REPLACEMENT', file: next.file }, `the replaced country database ${next.file} could not be taken into use by ${why}; that thread keeps the one before`);
          log.info({ event: 'country_db_swapped', file: next.file, built_at: next.builtAt.toISOString(), previous_built_at: previous.builtAt.toISOString(), database_type: next.databaseType, threads: s.threads }, `country database ${next.file} replaced: now the one built ${next.builtAt.toISOString()}`);
          inUse(next);
        });
      },
      refused(error) {
        log.error({ event: 'country_db_refused', code: error.code, file }, error.message);
      },
    });
  }
  return {
    lookup: watch ? watch.lookup : fixed!.lookup,
    inUse: () => named(current()),
    onReplaced(r) {
      onReplaced = r;
    },
    status: (now) => statusOf(current(), now),
    share: () => shareCountryDatabase(current(), generation),
    publishTo(p) {
      publish = p;
    },
    close: () => watch?.close(),
  };
}
