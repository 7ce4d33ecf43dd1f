/**
 * A main-system API key in a file of its own, 0600, as main_system.api_key_file wants it: the
 * set-up every test against the reference main system starts with.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The file's path; `content` is written as given (a trailing newline tests the reader's trim). */
export function apiKeyFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cr-key-')), 'key');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}
