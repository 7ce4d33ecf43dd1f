/** A database failure met by a listing or a lookup, as the adapter's error (its codes; the caller's redaction). */
import { MainSystemError } from '../errors.js';
import { classifyDbError } from './sqlstate.js';

export function dbReadError(err: unknown, what: string, where: string, scrub: (s: string) => string): MainSystemError {
  if (err instanceof MainSystemError) return err;
  const f = classifyDbError(err, scrub);
  if (f.kind === 'refused_access') return new MainSystemError('CR_ERR_MAIN_DB_ACCESS', `the main system's database refused ${what} at ${where} (${f.detail})`);
  if (f.kind === 'transient' && f.reason === 'timeout') return new MainSystemError('CR_ERR_MAIN_TIMEOUT', `the main system's database did not answer ${what} at ${where} in time (${f.detail})`);
  if (f.kind === 'transient' && f.reason === 'connection') return new MainSystemError('CR_ERR_MAIN_NETWORK', `connection to the main system's database failed for ${what} at ${where} (${f.detail})`);
  return new MainSystemError('CR_ERR_MAIN_DB', `the main system's database failed ${what} at ${where} (${f.detail})`);
}
