/**
 * The NATS credential, in order: `nats.credentials_file`, then systemd's
 * `LoadCredential=nats_credentials` (`$CREDENTIALS_DIRECTORY/nats_credentials`), else none
 * (a server that lets anyone on the network publish). One file, three forms, told apart by
 * their content: a decorated `.creds` file (JWT and nkey seed, `nsc generate creds`), a
 * `user:password` line, or a token. The values are only ever handed to the client's
 * authenticator and to `secrets` (what every text this adapter shows is scrubbed of); they
 * are never formatted into a message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Authenticator } from '@nats-io/transport-node';
import { nats } from './client-lib.js';
import { ConfigError } from '../errors.js';

export const NATS_CREDENTIAL_NAME = 'nats_credentials';

export interface NatsCredentials {
  kind: 'creds' | 'user_password' | 'token' | 'none';
  authenticator: Authenticator | undefined;
  /** Everything secret in the file, for scrubSecrets. */
  secrets: string[];
  /** Safe to show: 'file:<path>', 'credential:<path>' or 'none'. */
  origin: string;
}

const CREDS_JWT = /-----BEGIN NATS USER JWT-----\s*([\s\S]*?)\s*------END NATS USER JWT------/;
const CREDS_SEED = /-----BEGIN USER NKEY SEED-----\s*([\s\S]*?)\s*------END USER NKEY SEED------/;

/** Reads the three forms; `origin` names where the text came from. Pure. */
export function parseNatsCredentials(text: string, origin: string): NatsCredentials {
  const jwt = CREDS_JWT.exec(text)?.[1];
  if (jwt !== undefined) {
    const seed = CREDS_SEED.exec(text)?.[1];
    if (seed === undefined) throw new ConfigError(`nats credentials (${origin}): a .creds file without its USER NKEY SEED block`);
    return { kind: 'creds', authenticator: nats().credsAuthenticator(new TextEncoder().encode(text)), secrets: [jwt, seed], origin };
  }
  const line = text.replace(/\r?\n$/, '');
  if (line.includes('\n')) throw new ConfigError(`nats credentials (${origin}): more than one line, and not a .creds file`);
  const colon = line.indexOf(':');
  if (colon > 0) {
    const user = line.slice(0, colon);
    const pass = line.slice(colon + 1);
    return { kind: 'user_password', authenticator: nats().usernamePasswordAuthenticator(user, pass), secrets: [pass, line], origin };
  }
  return { kind: 'token', authenticator: nats().tokenAuthenticator(line), secrets: [line], origin };
}

export function readNatsCredentials(s: { credentials_file: string }, env: NodeJS.ProcessEnv = process.env): NatsCredentials {
  if (s.credentials_file !== '') {
    let text: string;
    try {
      text = readFileSync(s.credentials_file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`nats.credentials_file = "${s.credentials_file}": cannot read the file (${code})`);
    }
    if (text.trim() === '') throw new ConfigError(`nats.credentials_file = "${s.credentials_file}": the file is empty`);
    return parseNatsCredentials(text, `file:${s.credentials_file}`);
  }
  const credDir = env['CREDENTIALS_DIRECTORY'];
  if (credDir) {
    const p = join(credDir, NATS_CREDENTIAL_NAME);
    let text = '';
    try {
      text = readFileSync(p, 'utf8');
    } catch {
      // no such credential: none
    }
    if (text.trim() !== '') return parseNatsCredentials(text, `credential:${p}`);
  }
  return { kind: 'none', authenticator: undefined, secrets: [], origin: 'none' };
}
