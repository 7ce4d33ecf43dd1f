/**
 * How old the country database in use is, and the warning once it is too old: address blocks
 * change hands every month, so a country code from a stale file is wrong more and more often,
 * and nothing else would tell the operator. The bundled package is the case in point: its npm
 * updates are deprecated and its last build is from June 2026. Pure: the caller gives "now".
 */

/** privacy.country_db_max_age_days when not configured. */
export const DEFAULT_COUNTRY_DB_MAX_AGE_DAYS = 60;

const DAY_MS = 86_400_000;

export interface CountryDbAge {
  /** Whole days since the database was built (0 for a file "from the future"). */
  readonly days: number;
  readonly stale: boolean;
  /** For the log, `status` and the status page when stale; null otherwise. */
  readonly warning: { readonly code: 'CR_ERR_COUNTRY_DB_STALE'; readonly message: string } | null;
}

export function countryDbAge(db: { file: string; builtAt: Date }, now: Date, opts: { maxAgeDays?: number; bundled?: boolean } = {}): CountryDbAge {
  const maxAgeDays = opts.maxAgeDays ?? DEFAULT_COUNTRY_DB_MAX_AGE_DAYS;
  const days = Math.max(0, Math.floor((now.getTime() - db.builtAt.getTime()) / DAY_MS));
  if (days <= maxAgeDays) return { days, stale: false, warning: null };
  const what = opts.bundled
    ? 'the bundled npm package is no longer updated by its publisher: download a current country database (DB-IP IP to Country Lite or GeoLite2 Country, monthly, e.g. with a systemd timer; README) and set privacy.country_db to its path'
    : `replace ${db.file} with a current download (monthly, e.g. with a systemd timer; README): the file is picked up without a restart`;
  return {
    days,
    stale: true,
    warning: {
      code: 'CR_ERR_COUNTRY_DB_STALE',
      message: `the IP-to-country database ${db.file} was built ${db.builtAt.toISOString().slice(0, 10)}, ${days} days ago (more than ${maxAgeDays}): ${what}`,
    },
  };
}
