/**
 * The main system's one-link lookups (a miss) as the mirror's link-lookup port: the HTTP
 * API's analytics route or the guide's `link_tracking` table. Which one a configuration uses
 * is src/adapters/registry.ts's choice; whoever builds the mirror then owns (closes) it.
 */
import type { LinkLookup } from '../mirror/ports.js';
import { readApiKey } from './http/api-key.js';
import { MainSystemClient } from './http/client.js';
import { httpLinkLookup } from './http/link-lookup.js';
import type { LinkSourceSettings, PortCredentials } from './link-source.js';
import { openLinkLookup } from './postgres/index.js';

/** Sockets to the main system for lookups: the miss lookup's own in-flight cap rides on them. */
const LOOKUP_CONNECTIONS = 8;

/** Throws CR_ERR_MAIN_NO_API_KEY when no key is given or found (at start-up, not at the first miss). */
export function httpLinkLookupPort(ms: LinkSourceSettings, _missTimeoutMs: number, c: PortCredentials = {}): LinkLookup {
  const apiKey = c.apiKey ?? readApiKey(ms, c.env);
  return httpLinkLookup(new MainSystemClient({ baseUrl: ms.base_url, apiKey, timeoutMs: ms.timeout_ms, connections: LOOKUP_CONNECTIONS }));
}

export function postgresLinkLookupPort(ms: LinkSourceSettings, missTimeoutMs: number, c: PortCredentials = {}): LinkLookup {
  return openLinkLookup({ database_url: ms.database_url ?? '', database_password_file: ms.database_password_file ?? '', timeout_ms: ms.timeout_ms }, missTimeoutMs, c.env);
}
