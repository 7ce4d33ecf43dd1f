/**
 * What the country database's licence asks for, and the attribution to show wherever the
 * country is on (README, privacy notice, `status`, status page). The bundled package's terms
 * are as its own files state them (read from node_modules/@ip-location-db/
 * geo-whois-asn-country-mmdb 2.3.2026061719): its package.json says "CC0-1.0", but its README
 * and the NRO_LICENSE file it ships say the data is CC BY 4.0 by the NRO with attribution
 * required, and the data's terms are what bind. An operator's file is recognised by its
 * metadata database_type; one this file does not know gets no claim at all.
 */

export interface CountryDbLicence {
  /** Short name of the licence, e.g. "CC BY 4.0". */
  readonly licence: string;
  readonly licenceUrl: string;
  /** The attribution to show, as one sentence. */
  readonly attribution: string;
  /** What the licence asks of the operator, in a sentence (for README and `status`). */
  readonly obligations: string;
}

/** The bundled @ip-location-db/geo-whois-asn-country-mmdb, as its README and NRO_LICENSE state. */
export const BUNDLED_COUNTRY_DB_LICENCE: CountryDbLicence = Object.freeze({
  licence: 'CC BY 4.0',
  licenceUrl: 'https://creativecommons.org/licenses/by/4.0/',
  attribution:
    'Country data: geo-whois-asn-country from ip-location-db (https://github.com/sapics/ip-location-db), built from the regional internet registries\' WHOIS and ASN data published by the Number Resource Organization (https://www.nro.net), licensed under CC BY 4.0.',
  obligations:
    'Attribution to nro.net wherever the data is used or shown ("You are free to use this data, provided you give attribution to nro.net for the data", NRO_LICENSE); the package\'s "CC0-1.0" in package.json does not describe the data.',
});

/** Recognised operator databases, by metadata database_type. */
const KNOWN: readonly (readonly [RegExp, CountryDbLicence])[] = [
  [
    /^DBIP-Country-Lite$/i,
    {
      licence: 'CC BY 4.0',
      licenceUrl: 'https://creativecommons.org/licenses/by/4.0/',
      attribution: 'IP Geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0.',
      obligations: 'Attribution to DB-IP with a link to https://db-ip.com wherever the results are shown or used.',
    },
  ],
  [
    /^GeoLite2-Country$/i,
    {
      licence: 'GeoLite2 End User License Agreement',
      licenceUrl: 'https://www.maxmind.com/en/geolite2/eula',
      attribution: 'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.',
      obligations:
        'The GeoLite2 EULA (with parts of CC BY-SA 4.0): attribution to MaxMind when the data is shared, keep the data up to date and destroy old versions, never use it to locate a specific person or household.',
    },
  ],
  [
    /^GeoIP2-Country$/i,
    {
      licence: 'MaxMind commercial licence',
      licenceUrl: 'https://www.maxmind.com/en/end-user-license-agreement',
      attribution: 'Country data: GeoIP2 Country by MaxMind (https://www.maxmind.com).',
      obligations: 'The operator\'s own agreement with MaxMind.',
    },
  ],
];

/** The licence of the database in use: the bundled one's, a recognised operator file's, or null (unknown: see its publisher). */
export function countryDbLicence(databaseType: string, bundled: boolean): CountryDbLicence | null {
  if (bundled) return BUNDLED_COUNTRY_DB_LICENCE;
  return KNOWN.find(([type]) => type.test(databaseType))?.[1] ?? null;
}
