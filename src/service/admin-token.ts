/**
 * admin.token_file, read once at start-up. A file that cannot be read or holds nothing is a
 * configuration mistake named with its key and errno (exit 2), not a stack trace: an empty
 * token would lock every caller out of the admin listener without saying why.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** The bearer token, or null when admin.token_file is "" (loopback only, enforced by config). */
export function readAdminToken(file: string): string | null {
  if (file === '') return null;
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`admin.token_file = "${file}": cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (token === '') throw new ConfigError(`admin.token_file = "${file}": the file is empty`);
  return token;
}
