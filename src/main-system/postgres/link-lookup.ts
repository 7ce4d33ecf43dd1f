/**
 * A mirror miss, asked of `link_tracking` directly: one primary-key lookup, with the miss
 * lookup's own (short) timeout as the statement timeout. The same three columns as the
 * listing, the same raw-row shape, validated by the mirror.
 */
import type pg from 'pg';
import type { LinkLookup } from '../../mirror/ports.js';
import { scrubSecrets } from '../../errors.js';
import { dbReadError } from './db-errors.js';
import type { DbPool } from './pool.js';

const LOOKUP_SQL = 'SELECT tracking_id, original_url, is_active FROM link_tracking WHERE tracking_id = $1';

export function postgresLinkLookup(db: DbPool): LinkLookup {
  const scrub = (s: string) => scrubSecrets(s, [db.password]);
  return {
    async lookup(id, timeoutMs) {
      try {
        // query_timeout per query is pg's (Client#query reads it), missing from @types/pg's QueryConfig.
        const r = await db.pool.query<{ tracking_id: string }>({ text: LOOKUP_SQL, values: [id], query_timeout: timeoutMs } as pg.QueryConfig);
        const row = r.rows[0];
        return row ? { kind: 'found', raw: row } : { kind: 'not_found' };
      } catch (err) {
        return { kind: 'failed', error: dbReadError(err, 'a link lookup', db.where, scrub) };
      }
    },
    close: () => db.close(),
  };
}
