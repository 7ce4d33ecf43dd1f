/**
 * The sync thread's source, from the plain description the serving thread sends it
 * (build-protocol.ts SourceSpec). Loaded only by a build: a job that only reads
 * mirror.db never pulls in undici or the parsers, and its thread stays small.
 */
import { ApiKey } from '../../main-system/http/api-key.js';
import type { SourceSpec } from '../build-protocol.js';
import { MainSystemClient } from '../http-client.js';
import { fileSource } from './file-source.js';
import { httpSource } from './http-source.js';
import type { LinkSource } from './types.js';

export interface OpenedSource {
  source: LinkSource;
  /** Releases the source's connections; safe to call more than once. */
  close(): Promise<void>;
}

export async function openSource(spec: SourceSpec): Promise<OpenedSource> {
  if (spec.kind === 'file') return { source: fileSource(spec.path), close: async () => undefined };
  if (spec.kind === 'postgres') {
    // Imported only here: an HTTP or file sync's thread never loads pg.
    const [{ openPool }, { postgresLinkSource }] = await Promise.all([import('../../main-system/postgres/pool.js'), import('../../main-system/postgres/link-source.js')]);
    const db = openPool({ url: spec.url, password: spec.password, max: 1, timeoutMs: spec.timeoutMs, purpose: 'sync' });
    return { source: postgresLinkSource(db, spec.pageSize), close: () => db.close() };
  }
  const client = new MainSystemClient({ baseUrl: spec.baseUrl, apiKey: new ApiKey(spec.apiKey, 'sync thread'), timeoutMs: spec.timeoutMs });
  return { source: httpSource(client, spec.pageSize), close: () => client.close() };
}
