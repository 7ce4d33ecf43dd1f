/**
 * The IP-to-country database for privacy.country = "country": the operator's own MMDB country
 * file when one is named (privacy.country_db: DB-IP IP to Country Lite, GeoLite2 Country…,
 * refreshed monthly and picked up without a restart, country-watch.ts), else the bundled
 * "geo-whois-asn-country" MMDB of the @ip-location-db npm package, the offline default: RIR
 * WHOIS and ASN data, country level only, CC BY 4.0 by the NRO (country-licence.ts). Its
 * publisher no longer updates it on npm, so its age is shown like any other's
 * (country-age.ts). No account, no download at run time; the privacy stage gets a plain
 * function and does no I/O of its own.
 */
import { createRequire } from 'node:module';
import { ClickrelayError } from '../errors.js';
import type { CountryLookup } from '../privacy/policy.js';
import { openCountryDatabase, type CountryDatabase } from './mmdb-country.js';

export const COUNTRY_DB_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
const COUNTRY_DB_FILE = 'geo-whois-asn-country.mmdb';

export interface CountryDb {
  lookup: CountryLookup;
  /** For the start-up log, `status` and the status page: which file, built when. */
  file: string;
  builtAt: string;
  databaseType: string;
  ipVersion: 4 | 6;
  /** The bundled npm package (true) or the operator's file. */
  bundled: boolean;
  /** The checked database itself (for watchCountryDatabase on an operator's file). */
  database: CountryDatabase;
}

function describe(database: CountryDatabase, bundled: boolean): CountryDb {
  return { lookup: database.lookup, file: database.file, builtAt: database.builtAt.toISOString(), databaseType: database.databaseType, ipVersion: database.ipVersion, bundled, database };
}

/**
 * The operator's file when `file` is given (throws CR_ERR_COUNTRY_DB_UNREADABLE or
 * CR_ERR_COUNTRY_DB_TYPE naming it), else the bundled package (throws CR_ERR_COUNTRY_DB
 * naming the package when it is missing or unreadable). Either way the service refuses to
 * start rather than silently store no country.
 */
export function openCountryDb(file?: string): CountryDb {
  if (file !== undefined && file !== '') return describe(openCountryDatabase(file), false);
  const require = createRequire(import.meta.url);
  let path = `${COUNTRY_DB_PACKAGE}/${COUNTRY_DB_FILE}`;
  try {
    path = require.resolve(path);
    return describe(openCountryDatabase(path), true);
  } catch (err) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB', `privacy.country = "country" needs the IP-to-country database ${path} (npm package ${COUNTRY_DB_PACKAGE}): ${(err as Error).message}`, { cause: err });
  }
}
