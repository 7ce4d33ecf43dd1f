/**
 * Where the main system's Bearer key comes from, in order: `main_system.api_key_file`,
 * `$CLICKRELAY_MAIN_SYSTEM_API_KEY`, then systemd's `LoadCredential=main_system_api_key`
 * (`$CREDENTIALS_DIRECTORY/main_system_api_key`).
 *
 * The key is wrapped so that logging, JSON-encoding or inspecting it prints
 * "[redacted]": the only way to the raw value is `reveal()`, called where the
 * Authorization header is built and nowhere else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { MainSystemError } from '../errors.js';

export class ApiKey {
  readonly #value: string;
  /** Where it came from, safe to log: 'file:<path>', 'env', 'credential:<path>'. */
  readonly origin: string;

  constructor(value: string, origin: string) {
    this.#value = value;
    this.origin = origin;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return `ApiKey([redacted] from ${this.origin})`;
  }
}

export const API_KEY_ENV = 'CLICKRELAY_MAIN_SYSTEM_API_KEY';
export const CREDENTIAL_NAME = 'main_system_api_key';

// Visible ASCII only: a CR/LF would be header injection, and undici's complaint about an
// invalid header value could quote the value into an error message.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** The key, or throws CR_ERR_MAIN_NO_API_KEY naming where it looked (never what it found). */
export function readApiKey(mainSystem: { api_key_file: string }, env: NodeJS.ProcessEnv = process.env): ApiKey {
  if (mainSystem.api_key_file !== '') {
    return checked(readKeyFile(mainSystem.api_key_file, 'main_system.api_key_file'), `file:${mainSystem.api_key_file}`);
  }
  const fromEnv = env[API_KEY_ENV]?.trim();
  if (fromEnv) return checked(fromEnv, 'env');
  const credDir = env['CREDENTIALS_DIRECTORY'];
  if (credDir) {
    const p = join(credDir, CREDENTIAL_NAME);
    let v: string | null = null;
    try {
      v = readFileSync(p, 'utf8').trim();
    } catch {
      // no such credential: fall through to the error below
    }
    if (v) return checked(v, `credential:${p}`);
  }
  throw new MainSystemError(
    'CR_ERR_MAIN_NO_API_KEY',
    `main_system.base_url is set but no API key was found: set main_system.api_key_file, $${API_KEY_ENV}, or a systemd LoadCredential=${CREDENTIAL_NAME}`,
  );
}

function readKeyFile(path: string, key: string): string {
  let v: string;
  try {
    v = readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MainSystemError('CR_ERR_MAIN_NO_API_KEY', `${key} = "${path}": cannot read the file (${code})`);
  }
  if (v === '') throw new MainSystemError('CR_ERR_MAIN_NO_API_KEY', `${key} = "${path}": the file is empty`);
  return v;
}

function checked(v: string, origin: string): ApiKey {
  if (!HEADER_SAFE.test(v)) {
    throw new MainSystemError('CR_ERR_MAIN_NO_API_KEY', `the API key from ${origin} contains spaces or characters not allowed in an HTTP header`);
  }
  return new ApiKey(v, origin);
}
