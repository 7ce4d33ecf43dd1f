/**
 * The mirror's link source over the guide's `link_tracking` table: every row, in keyset
 * pages by `tracking_id` (the primary key's index: each page is one index range scan, where
 * OFFSET would re-read everything before it), all in one REPEATABLE READ READ ONLY
 * transaction, so the listing is one snapshot: a link cannot be missed (and so removed) or
 * seen twice because the main system changed the table between two pages.
 *
 * Only the columns the redirect needs are read: tracking_id, original_url, is_active. The
 * free-text columns (description, created_by) and the job/application ids never leave the
 * main system. Rows come out as the same plain objects the HTTP listing yields, so the
 * mirror's one rule book validates them (a bad id or URL is skipped and counted).
 *
 * The next page's query is sent before the current page is handed over: pg queues it on the
 * connection, so the database works while the sync inserts.
 */
import type pg from 'pg';
import type { LinkSource, Listing } from '../../mirror/ports.js';
import { scrubSecrets } from '../../errors.js';
import { dbReadError } from './db-errors.js';
import type { DbPool } from './pool.js';

const PAGE_SQL =
  'SELECT tracking_id, original_url, is_active FROM link_tracking WHERE tracking_id > $1 ORDER BY tracking_id LIMIT $2';

export function postgresLinkSource(db: DbPool, pageSize: number): LinkSource {
  return {
    id: db.where,
    open: async ({ signal }) => openListing(db, pageSize, signal),
  };
}

async function openListing(db: DbPool, pageSize: number, signal?: AbortSignal): Promise<Listing> {
  const scrub = (s: string) => scrubSecrets(s, [db.password]);
  let client: pg.PoolClient;
  try {
    client = await db.pool.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (err) {
    throw dbReadError(err, 'the link listing', db.where, scrub);
  }
  return { unchanged: false, etag: null, pages: pages(client, pageSize, scrub, db.where, signal) };
}

type Row = { tracking_id: string; original_url: string; is_active: boolean | null };

async function* pages(client: pg.PoolClient, pageSize: number, scrub: (s: string) => string, where: string, signal?: AbortSignal): AsyncGenerator<unknown[]> {
  const page = (after: string) => client.query<Row>({ text: PAGE_SQL, values: [after, pageSize] });
  let broken: unknown = null;
  try {
    // '' sorts before every non-empty string in every collation.
    let next: Promise<pg.QueryResult<Row>> | null = page('');
    while (next) {
      if (signal?.aborted) return;
      const r: pg.QueryResult<Row> = await next;
      const rows: Row[] = r.rows;
      next = rows.length === pageSize ? page(rows[rows.length - 1]!.tracking_id) : null;
      next?.catch(() => undefined); // awaited on the next turn; silence it if we stop early
      yield rows;
    }
  } catch (err) {
    broken = err;
    throw dbReadError(err, 'the link listing', where, scrub);
  } finally {
    // A connection that failed mid-listing is not given back to the pool.
    try {
      if (!broken) await client.query('COMMIT');
    } catch (err) {
      broken = err;
    }
    client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
  }
}
