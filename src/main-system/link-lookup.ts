/**
 * Which adapter answers the mirror's one-link lookups (a miss), decided from the
 * configuration: the HTTP API's analytics route, the guide's `link_tracking` table, or
 * none (standalone). Called by whoever builds the mirror, which then owns (closes) it.
 */
import { mainSystemAdapter } from './adapter.js';
import { readApiKey, type ApiKey } from './http/api-key.js';
import { MainSystemClient } from './http/client.js';
import { httpLinkLookup } from './http/link-lookup.js';
import { openLinkLookup } from './postgres/index.js';
import type { LinkLookup } from './ports.js';
import type { LinkSourceSettings } from './link-source.js';

/** Sockets to the main system for lookups: the miss lookup's own in-flight cap rides on them. */
const LOOKUP_CONNECTIONS = 8;

/** Throws CR_ERR_MIRROR_NO_API_KEY when the HTTP API is configured without a key (at start-up, not at the first miss). */
export function mainSystemLinkLookup(ms: LinkSourceSettings, missTimeoutMs: number, opts: { apiKey?: ApiKey | undefined; env?: NodeJS.ProcessEnv } = {}): LinkLookup | null {
  const adapter = mainSystemAdapter(ms);
  if (adapter === 'http') {
    const apiKey = opts.apiKey ?? readApiKey(ms, opts.env);
    return httpLinkLookup(new MainSystemClient({ baseUrl: ms.base_url, apiKey, timeoutMs: ms.timeout_ms, connections: LOOKUP_CONNECTIONS }));
  }
  if (adapter === 'postgres') {
    return openLinkLookup({ database_url: ms.database_url ?? '', database_password_file: ms.database_password_file ?? '', timeout_ms: ms.timeout_ms }, missTimeoutMs, opts.env);
  }
  return null;
}
