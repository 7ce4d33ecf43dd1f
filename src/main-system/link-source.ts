/**
 * The main system's listings as the mirror's link-source port (mirror/ports.ts): the HTTP
 * API or the guide's `link_tracking` table. Which one a configuration uses is
 * src/adapters/registry.ts's choice; the mirror holds only the port.
 *
 * This module is also what the mirror's build thread imports to open the source
 * (LinkSourceSpec.module): the adapters are imported there, on demand, so the serving
 * thread never loads the listing's parser and an HTTP sync's thread never loads pg.
 */
import { readDatabasePassword } from './credentials.js';
import { ApiKey, readApiKey } from './http/api-key.js';
import type { LinkSourcePort, OpenedLinkSource } from '../mirror/ports.js';
import { redactDatabaseUrl, redactHttpUrl } from '../lib/redact.js';

export interface LinkSourceSettings {
  readonly base_url: string;
  readonly api_key_file: string;
  readonly timeout_ms: number;
  readonly database_url?: string;
  readonly database_password_file?: string;
}

/** What crosses to the build thread (structured-cloned): the credential already read. */
type ThreadSettings =
  | { kind: 'http'; baseUrl: string; apiKey: string; timeoutMs: number; pageSize: number }
  | { kind: 'postgres'; url: string; password: string | undefined; timeoutMs: number; pageSize: number };

/** Who reads the credential: each sync (`clickrelay sync`), or `serve` once at start (`apiKey` given). */
export interface PortCredentials {
  readonly apiKey?: ApiKey | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** The HTTP API's listing as the mirror's link-source port; the key is read at each sync (LinkSourcePort.spec), unless given. */
export function httpLinkSourcePort(ms: LinkSourceSettings, pageSize: number, c: PortCredentials = {}): LinkSourcePort {
  return {
    id: redactHttpUrl(ms.base_url),
    spec: () => {
      const apiKey = (c.apiKey ?? readApiKey(ms, c.env)).reveal();
      const settings: ThreadSettings = { kind: 'http', baseUrl: ms.base_url, apiKey, timeoutMs: ms.timeout_ms, pageSize };
      return { module: import.meta.url, settings, secret: apiKey };
    },
  };
}

/** The guide's `link_tracking` table as the mirror's link-source port; the password is read at each sync. */
export function postgresLinkSourcePort(ms: LinkSourceSettings, pageSize: number, c: PortCredentials = {}): LinkSourcePort {
  const url = ms.database_url ?? '';
  return {
    id: redactDatabaseUrl(url),
    spec: () => {
      const password = readDatabasePassword({ database_password_file: ms.database_password_file ?? '' }, c.env).value;
      const settings: ThreadSettings = { kind: 'postgres', url, password, timeoutMs: ms.timeout_ms, pageSize };
      return { module: import.meta.url, settings, secret: password };
    },
  };
}

/** The build thread's entry (LinkSourceSpec.module). */
export async function openLinkSource(s: ThreadSettings): Promise<OpenedLinkSource> {
  if (s.kind === 'postgres') {
    const [{ openPool }, { postgresLinkSource }] = await Promise.all([import('./postgres/pool.js'), import('./postgres/link-source.js')]);
    const db = openPool({ url: s.url, password: s.password, max: 1, timeoutMs: s.timeoutMs, purpose: 'sync' });
    return { source: postgresLinkSource(db, s.pageSize), close: () => db.close() };
  }
  const [{ MainSystemClient }, { httpLinkSource }] = await Promise.all([import('./http/client.js'), import('./http/link-source.js')]);
  const client = new MainSystemClient({ baseUrl: s.baseUrl, apiKey: new ApiKey(s.apiKey, 'sync thread'), timeoutMs: s.timeoutMs });
  return { source: httpLinkSource(client, s.pageSize), close: () => client.close() };
}
