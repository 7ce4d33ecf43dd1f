/**
 * The country database in use as `status`, the status page and the privacy notice show it:
 * which file (bundled or the operator's), its type, its build date and age, whether it is
 * stale, and its licence with the attribution to give. One description, so the three never
 * say different things about the same file. Pure: the caller gives "now".
 */
import { countryDbAge } from './country-age.js';
import { countryDbLicence } from './country-licence.js';

export interface CountryDbStatus {
  file: string;
  bundled: boolean;
  database_type: string;
  built_at: string;
  age_days: number;
  max_age_days: number;
  stale: boolean;
  /** "CR_ERR_COUNTRY_DB_STALE: …, what to do" when stale; null otherwise. */
  warning: string | null;
  /** null: a database this build does not know: its publisher's terms apply. */
  licence: string | null;
  licence_url: string | null;
  attribution: string | null;
}

export function countryDbStatus(db: { file: string; builtAt: Date; databaseType: string; bundled: boolean }, now: Date, maxAgeDays: number): CountryDbStatus {
  const age = countryDbAge(db, now, { maxAgeDays, bundled: db.bundled });
  const licence = countryDbLicence(db.databaseType, db.bundled);
  return {
    file: db.file,
    bundled: db.bundled,
    database_type: db.databaseType,
    built_at: db.builtAt.toISOString(),
    age_days: age.days,
    max_age_days: maxAgeDays,
    stale: age.stale,
    warning: age.warning ? `${age.warning.code}: ${age.warning.message}` : null,
    licence: licence?.licence ?? null,
    licence_url: licence?.licenceUrl ?? null,
    attribution: licence?.attribution ?? null,
  };
}

/** `status`'s and the status page's lines about it. */
export function countryDbLines(c: CountryDbStatus): string[] {
  return [
    `${c.bundled ? 'bundled' : 'operator file'} ${c.file} (${c.database_type}), built ${c.built_at.slice(0, 10)}, ${c.age_days} days old${c.stale ? ` — STALE (more than ${c.max_age_days} days)` : ''}`,
    c.licence ? `licence ${c.licence} (${c.licence_url}): ${c.attribution}` : `licence: not known to clickrelay for "${c.database_type}": the publisher's terms apply (README, "Country database")`,
    ...(c.warning ? [c.warning] : []),
  ];
}

/**
 * The privacy notice's words on where the country comes from, with the attribution its licence
 * asks for. `databaseType` unknown (an operator file not read): no licence is claimed.
 */
export function countryNoticeSource(db: { bundled: boolean; file?: string; databaseType?: string }): string {
  const licence = db.bundled ? countryDbLicence('', true) : db.databaseType !== undefined ? countryDbLicence(db.databaseType, false) : null;
  const which = db.bundled ? 'the IP-to-country database installed with clickrelay' : `the IP-to-country database the operator supplies (${db.file ?? 'privacy.country_db'})`;
  return `${which}, looked up on this server without any network request. ${licence ? licence.attribution : "Its publisher's terms apply."}`;
}
