/** A database failure met by the sync or a miss lookup, as the mirror's error (its codes, its redaction). */
import { MirrorError } from '../../mirror/errors.js';
import { classifyDbError } from './sqlstate.js';

export function dbMirrorError(err: unknown, what: string, where: string, scrub: (s: string) => string): MirrorError {
  if (err instanceof MirrorError) return err;
  const f = classifyDbError(err, scrub);
  if (f.kind === 'refused_access') return new MirrorError('CR_ERR_MIRROR_DB_ACCESS', `the main system's database refused ${what} at ${where} (${f.detail})`);
  if (f.kind === 'transient' && f.reason === 'timeout') return new MirrorError('CR_ERR_MIRROR_TIMEOUT', `the main system's database did not answer ${what} at ${where} in time (${f.detail})`);
  if (f.kind === 'transient' && f.reason === 'connection') return new MirrorError('CR_ERR_MIRROR_NETWORK', `connection to the main system's database failed for ${what} at ${where} (${f.detail})`);
  return new MirrorError('CR_ERR_MIRROR_DB', `the main system's database failed ${what} at ${where} (${f.detail})`);
}
