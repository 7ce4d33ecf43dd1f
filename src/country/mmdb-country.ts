/**
 * One MaxMind DB country database, opened and checked before anything is looked up in it:
 * the operator's file (privacy.country_db: DB-IP IP to Country Lite, GeoLite2 Country, an
 * ip-location-db country file…) or the bundled package. A file that is not an MMDB, or an
 * MMDB that is not a country database (a City or ASN edition, an unknown IP version, no build
 * date), is refused with a coded error at open: a wrong file must not silently store no
 * country, or a city's worth of data must not be read at all.
 *
 * Both record shapes in use are read: MaxMind's and DB-IP's { country: { iso_code } } and
 * ip-location-db's { country_code }. Only an ISO 3166-1 alpha-2 code leaves this file.
 *
 * A file is read into shared memory (a SharedArrayBuffer) and the reader reads a Buffer view
 * over it: with server.threads > 1 every serving thread reads the main thread's bytes
 * (country-share.ts) instead of holding a copy of its own (7.8 MB for the bundled file).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Reader, type Response } from 'maxmind';
import { ClickrelayError } from '../errors.js';
import type { CountryLookup } from '../privacy/policy.js';

/** ISO 3166-1 alpha-2: the only thing stored. A record carrying anything finer is ignored. */
const ALPHA2 = /^[A-Z]{2}$/;
/** database_type of every country edition names it so ("GeoLite2-Country", "DBIP-Country-Lite", "country ipvAll"). */
const COUNTRY_TYPE = /country/i;

export interface CountryDatabase {
  /** The file it was read from. */
  readonly file: string;
  /** metadata database_type, as the publisher wrote it. */
  readonly databaseType: string;
  /** 6: IPv4 and IPv6 addresses; 4: IPv4 only (an IPv6 click gets no country). */
  readonly ipVersion: 4 | 6;
  /** metadata build_epoch: when the publisher built this file. */
  readonly builtAt: Date;
  /** Full client address → country code, or null (unknown, private, or not an address). */
  readonly lookup: CountryLookup;
  /** The file's bytes the reader reads (over a SharedArrayBuffer when read by this file). */
  readonly bytes: Buffer;
}

type CountryRecord = { country_code?: unknown; country?: { iso_code?: unknown } } | null;

/** Checks an MMDB file's bytes; throws CR_ERR_COUNTRY_DB_UNREADABLE or CR_ERR_COUNTRY_DB_TYPE naming the file. */
export function countryDatabaseFromBytes(file: string, bytes: Buffer): CountryDatabase {
  let reader: Reader<Response>;
  try {
    // No address cache: its keys would be full client addresses kept in memory.
    reader = new Reader<Response>(bytes);
  } catch (err) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB_UNREADABLE', `country database ${file} is not a MaxMind DB file: ${(err as Error).message}`, { cause: err });
  }
  const { databaseType, ipVersion, buildEpoch } = reader.metadata;
  if (typeof databaseType !== 'string' || !COUNTRY_TYPE.test(databaseType)) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB_TYPE', `country database ${file} is a "${String(databaseType)}" database, not a country one`);
  }
  if (ipVersion !== 4 && ipVersion !== 6) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB_TYPE', `country database ${file} says ip_version ${String(ipVersion)}; only 4 and 6 exist`);
  }
  if (!(buildEpoch instanceof Date) || !(buildEpoch.getTime() > 0)) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB_TYPE', `country database ${file} carries no build date (metadata build_epoch), so its age cannot be shown`);
  }
  // A damaged tree or data section shows on the first lookup: make it this one, not a click's.
  try {
    reader.get('192.0.2.1');
    if (ipVersion === 6) reader.get('2001:db8::1');
  } catch (err) {
    throw new ClickrelayError('CR_ERR_COUNTRY_DB_UNREADABLE', `country database ${file} is damaged: ${(err as Error).message}`, { cause: err });
  }
  return {
    file,
    databaseType,
    ipVersion,
    builtAt: buildEpoch,
    bytes,
    lookup(ip: string): string | null {
      let record: CountryRecord;
      try {
        record = reader.get(ip) as CountryRecord;
      } catch {
        return null; // not an address the reader takes (or IPv6 in an IPv4 file): no country rather than a failed click
      }
      const code = record?.country_code ?? record?.country?.iso_code;
      return typeof code === 'string' && ALPHA2.test(code) ? code : null;
    },
  };
}

function readError(file: string, err: unknown): ClickrelayError {
  return new ClickrelayError('CR_ERR_COUNTRY_DB_UNREADABLE', `country database ${file} cannot be read: ${(err as Error).message}`, { cause: err });
}

/** A short read: the file shrank while it was read (a copy in place): refused, the next change is tried. */
function shortRead(file: string, got: number, size: number): Error {
  return new Error(`read ${got} of ${size} bytes of ${file}: it changed while it was read`);
}

/** At start-up: read and check synchronously (the service must not start with a wrong file). */
export function openCountryDatabase(file: string): CountryDatabase {
  let bytes: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      bytes = Buffer.from(new SharedArrayBuffer(size));
      for (let got = 0; got < size; ) {
        const n = readSync(fd, bytes, got, size - got, got);
        if (n === 0) throw shortRead(file, got, size);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw readError(file, err);
  }
  return countryDatabaseFromBytes(file, bytes);
}

/** For a replaced file: read without blocking the event loop, so no request waits for the disk. */
export async function loadCountryDatabase(file: string): Promise<CountryDatabase> {
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const size = (await handle.stat()).size;
      bytes = Buffer.from(new SharedArrayBuffer(size));
      for (let got = 0; got < size; ) {
        const { bytesRead } = await handle.read(bytes, got, size - got, got);
        if (bytesRead === 0) throw shortRead(file, got, size);
        got += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw readError(file, err);
  }
  return countryDatabaseFromBytes(file, bytes);
}
