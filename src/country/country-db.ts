/**
 * The IP-to-country database for privacy.country = "country": the CC0 "geo-whois-asn-country"
 * MMDB from the @ip-location-db npm package (RIR whois and ASN data, country level only),
 * read once at start-up with the MaxMind DB reader. No account, no download at run time:
 * updating it is updating the npm package. The privacy stage gets a plain function and does
 * no I/O of its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import { ClickrelayError } from '../errors.js';
import type { CountryLookup } from '../privacy/policy.js';

export const COUNTRY_DB_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
const COUNTRY_DB_FILE = 'geo-whois-asn-country.mmdb';
/** ISO 3166-1 alpha-2: the only thing stored. A record carrying anything finer is ignored. */
const ALPHA2 = /^[A-Z]{2}$/;

export interface CountryDb {
  lookup: CountryLookup;
  /** For the start-up log: which file, built when. */
  file: string;
  builtAt: string;
}

/**
 * Throws CR_ERR_COUNTRY_DB naming the package and file when the database is missing or unreadable;
 * the service then refuses to start rather than silently store no country.
 */
export function openCountryDb(): CountryDb {
  const require = createRequire(import.meta.url);
  let file = `${COUNTRY_DB_PACKAGE}/${COUNTRY_DB_FILE}`;
  let reader: Reader<Response>;
  try {
    file = require.resolve(file);
    // No address cache: its keys would be full client addresses kept in memory.
    reader = new Reader<Response>(readFileSync(file));
  } catch (err) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB', `privacy.country = "country" needs the IP-to-country database ${file} (npm package ${COUNTRY_DB_PACKAGE}): ${(err as Error).message}`, { cause: err });
  }
  return {
    file,
    builtAt: reader.metadata.buildEpoch.toISOString(),
    lookup(ip: string): string | null {
      let code: unknown;
      try {
        // This database's records are { country_code: "US" }, not MaxMind's nested shape.
        code = (reader.get(ip) as { country_code?: unknown } | null)?.country_code;
      } catch {
        return null; // not an address the reader takes: no country rather than a failed click
      }
      return typeof code === 'string' && ALPHA2.test(code) ? code : null;
    },
  };
}
