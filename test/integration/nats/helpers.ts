/** Shared by the NATS sink's integration tests: settings for a test server, as one of its users, with the credential in a file. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsSettings } from '../../../src/nats/index.js';
import { NATS_STREAM, NATS_SUBJECT, USERS, type NatsServer, type NatsUser } from '../../support/nats.js';

let n = 0;

export function settingsFor(server: NatsServer, dir: string, o: { user?: NatsUser | null; password?: string; credential?: string; port?: number } & Partial<NatsSettings> = {}): NatsSettings {
  const { user = 'relay', password, credential, port, ...over } = o;
  let credentials_file = '';
  const text = credential ?? (user ? `${USERS[user].user}:${password ?? USERS[user].password}` : null);
  if (text !== null) {
    credentials_file = join(dir, `nats-creds-${++n}`);
    writeFileSync(credentials_file, text + '\n', { mode: 0o600 });
  }
  return { url: `nats://127.0.0.1:${port ?? server.port}`, subject: NATS_SUBJECT, stream: NATS_STREAM, credentials_file, create_stream: false, timeout_ms: 2_000, ...over };
}
