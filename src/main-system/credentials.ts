/**
 * Where the database password comes from, in order: `main_system.database_password_file`,
 * systemd's `LoadCredential=main_system_database_password`
 * (`$CREDENTIALS_DIRECTORY/main_system_database_password`), then `$PGPASSWORD`.
 * None of them is required: a cluster may authenticate by client certificate
 * (`sslcert`/`sslkey` in the URL) or trust the host. The value is never formatted into text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export const DATABASE_CREDENTIAL_NAME = 'main_system_database_password';

export interface DatabasePassword {
  /** undefined: none configured (libpq's own defaults apply). */
  value: string | undefined;
  /** Safe to show: 'file:<path>', 'credential:<path>', 'env:PGPASSWORD', 'none'. */
  origin: string;
}

export function readDatabasePassword(ms: { database_password_file: string }, env: NodeJS.ProcessEnv = process.env): DatabasePassword {
  if (ms.database_password_file !== '') {
    let v: string;
    try {
      v = readFileSync(ms.database_password_file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`main_system.database_password_file = "${ms.database_password_file}": cannot read the file (${code})`);
    }
    if (v === '') throw new ConfigError(`main_system.database_password_file = "${ms.database_password_file}": the file is empty`);
    return { value: v, origin: `file:${ms.database_password_file}` };
  }
  const credDir = env['CREDENTIALS_DIRECTORY'];
  if (credDir) {
    const p = join(credDir, DATABASE_CREDENTIAL_NAME);
    try {
      const v = readFileSync(p, 'utf8').replace(/\r?\n$/, '');
      if (v !== '') return { value: v, origin: `credential:${p}` };
    } catch {
      // no such credential: fall through
    }
  }
  const fromEnv = env['PGPASSWORD'];
  if (fromEnv) return { value: fromEnv, origin: 'env:PGPASSWORD' };
  return { value: undefined, origin: 'none' };
}
