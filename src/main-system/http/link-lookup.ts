/**
 * The HTTP adapter of the miss-lookup port: the guide's `GET /api/link-tracking/analytics/{id}`,
 * whose `link_info` is the raw row. A 404 is "not found"; anything else that is not a 200 is a
 * failure the mirror counts.
 */
import { MainSystemError } from '../errors.js';
import type { LinkLookup } from '../../mirror/ports.js';
import type { MainSystemClient } from './client.js';

export const ANALYTICS_PATH = '/api/link-tracking/analytics/';

export function httpLinkLookup(client: MainSystemClient): LinkLookup {
  return {
    async lookup(id, timeoutMs) {
      let res;
      try {
        res = await client.getJson(ANALYTICS_PATH + encodeURIComponent(id), { timeoutMs, allow404: true });
      } catch (err) {
        return { kind: 'failed', error: err instanceof MainSystemError ? err : null };
      }
      if (res.status === 404) return { kind: 'not_found' };
      if (res.status !== 200) return { kind: 'failed', error: null };
      return { kind: 'found', raw: (res.body as { link_info?: unknown } | null)?.link_info };
    },
    close: () => client.close(),
  };
}
