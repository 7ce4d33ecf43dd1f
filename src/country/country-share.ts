/**
 * The country database handed from the main thread to the serving threads k ≥ 1
 * (server.threads > 1): the file's bytes in shared memory, so every thread reads the one copy
 * the main thread read (mmdb-country.ts) rather than a 7.8 MB copy each, and a replacement the
 * main thread accepted (country-watch.ts) reaches every thread with no file read, no check to
 * disagree on and no request crossing threads. Only a database the main thread checked is ever
 * shared; a refused replacement never leaves it.
 */
import type { CountryLookup } from '../privacy/policy.js';
import { countryDatabaseFromBytes, type CountryDatabase } from './mmdb-country.js';

export interface CountryShare {
  /** Counts the databases the main thread took into service: a thread keeps the newest it got. */
  readonly generation: number;
  readonly file: string;
  readonly bytes: SharedArrayBuffer;
}

/** The share of a checked database (its bytes copied into shared memory once if they were not there). */
export function shareCountryDatabase(db: CountryDatabase, generation: number): CountryShare {
  const { buffer, byteOffset, byteLength } = db.bytes;
  if (buffer instanceof SharedArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return { generation, file: db.file, bytes: buffer };
  const bytes = new SharedArrayBuffer(byteLength);
  db.bytes.copy(Buffer.from(bytes));
  return { generation, file: db.file, bytes };
}

/**
 * A serving thread's country database: the one in `first`, then each newer share. The swap is
 * one assignment, as on the main thread, so a lookup uses either reader, never half of each;
 * the old reader, and with it this thread's hold on the old bytes, is dropped with it.
 */
export class SharedCountry {
  #db: CountryDatabase;
  #generation: number;

  constructor(first: CountryShare) {
    this.#db = countryDatabaseFromBytes(first.file, Buffer.from(first.bytes));
    this.#generation = first.generation;
  }

  readonly lookup: CountryLookup = (ip) => this.#db.lookup(ip);

  get generation(): number {
    return this.#generation;
  }

  /**
   * Takes a newer share (an older or the same one, re-sent after a start, is ignored); true
   * when it did, so what was sent with it (the opt-out pages) is taken only then. Its bytes are
   * the ones the main thread checked, so the check here passes; should it not, the database in
   * use stays and the error is the caller's to report.
   */
  update(share: CountryShare): boolean {
    if (share.generation <= this.#generation) return false;
    this.#db = countryDatabaseFromBytes(share.file, Buffer.from(share.bytes));
    this.#generation = share.generation;
    return true;
  }
}
