/**
 * privacy.country = "country" in `serve`: the database opened once at start (a wrong or
 * unreadable file stops the start with its code, a configuration mistake: exit 2), its build
 * date as a metric, a warning once per database when it is older than
 * privacy.country_db_max_age_days, and — for the operator's file — a watch that swaps in a
 * replaced file without a restart (no request waits: lookups go through the watch, which
 * answers from whichever database is current). The bundled package never changes while
 * running, so it is not watched.
 */
import { openCountryDb } from '../country/country-db.js';
import { countryDbStatus, type CountryDbStatus } from '../country/country-status.js';
import { watchCountryDatabase, type CountryDbWatch } from '../country/country-watch.js';
import type { CountryDatabase } from '../country/mmdb-country.js';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { CountryLookup } from '../privacy/policy.js';

export interface CountryService {
  lookup: CountryLookup;
  /** The database in use now, as status and the status page show it. */
  status(now?: Date): CountryDbStatus;
  close(): void;
}

/** Opens the database (throws its coded error at start); null when privacy.country is off. */
export function openCountryFor(s: Settings): ReturnType<typeof openCountryDb> | null {
  return s.privacy.country === 'country' ? openCountryDb(s.privacy.country_db) : null;
}

export async function countryService(db: ReturnType<typeof openCountryDb>, s: Settings, log: Logger, m: Metrics): Promise<CountryService> {
  const maxAge = s.privacy.country_db_max_age_days;
  const bundled = db.bundled;
  const statusOf = (d: CountryDatabase, now = new Date()) => countryDbStatus({ file: d.file, builtAt: d.builtAt, databaseType: d.databaseType, bundled }, now, maxAge);
  /** Notes a database taking service: the metric, and the stale warning once for it. */
  const inUse = (d: CountryDatabase): void => {
    m.countryDbBuild.set(d.builtAt.getTime() / 1000);
    const st = statusOf(d);
    if (st.warning) log.warn({ event: 'country_db_stale', code: 'CR_ERR_COUNTRY_DB_STALE', file: d.file, built_at: st.built_at, age_days: st.age_days, max_age_days: maxAge }, st.warning.replace(/^CR_ERR_COUNTRY_DB_STALE: /, ''));
  };
  log.info({ event: 'country_db_loaded', file: db.file, built_at: db.builtAt, database_type: db.databaseType, bundled }, `country database ${db.file} (built ${db.builtAt})`);
  inUse(db.database);
  let watch: CountryDbWatch | null = null;
  if (!bundled) {
    watch = await watchCountryDatabase(db.database, {
      swapped(next, previous) {
        log.info({ event: 'country_db_swapped', file: next.file, built_at: next.builtAt.toISOString(), previous_built_at: previous.builtAt.toISOString(), database_type: next.databaseType }, `country database ${next.file} replaced: now the one built ${next.builtAt.toISOString()}`);
        inUse(next);
      },
      refused(error) {
        log.error({ event: 'country_db_refused', code: error.code, file: db.file }, error.message);
      },
    });
  }
  return {
    lookup: watch ? watch.lookup : db.lookup,
    status: (now) => statusOf(watch ? watch.current() : db.database, now),
    close: () => watch?.close(),
  };
}
