/**
 * The shipper's click sink over the guide's `link_clicks` table: a batch is one INSERT of
 * unnest()ed arrays — one round trip and one statement whatever the batch size, so it is
 * stored whole or not at all — with `ON CONFLICT (click_id) DO NOTHING`. `click_id` is
 * the outbox's UUIDv7 and the guide's DDL makes it the PRIMARY KEY, so a batch resent after
 * a lost answer (connection cut after COMMIT, failover) stores nothing twice: the rows
 * already there count as duplicates, and no RETURNING is needed.
 *
 * Rights: INSERT on link_clicks, and SELECT on its click_id column only. PostgreSQL asks
 * for SELECT on the columns of an ON CONFLICT target (measured: without it, 42501). A bare
 * `ON CONFLICT DO NOTHING` would need no SELECT, but it would also swallow a violation of
 * any other unique index a DBA adds later, acknowledging a click that was never stored.
 *
 * Column by column: `clicked_at` is the outbox's ISO UTC time turned into the guide's
 * TIMESTAMP (without time zone) AT TIME ZONE 'UTC', whatever the session's TimeZone;
 * `ip_address` goes in as INET (already truncated by the privacy stage); `metadata` as
 * JSONB, with `"anonymous": true` on DNT/GPC clicks (the guide has no column for it; the
 * HTTP adapter sends it the same way, src/lib/click-json.ts): the stored JSON text goes to the
 * jsonb parameter as it is.
 *
 * Measured against a multi-row VALUES list and COPY into a staging table: see bench/ship-pg.mjs.
 */
import { metadataOnWire } from '../../lib/click-json.js';
import type { ClickSink, SinkOutcome, StoredClick } from '../../shipper/ports.js';
import { scrubSecrets } from '../../errors.js';
import type { DbPool } from './pool.js';
import { classifyDbError, type DbFailure } from './sqlstate.js';

export const INSERT_SQL = `INSERT INTO link_clicks
  (click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id, click_source, metadata)
SELECT u.click_id, u.tracking_id, u.clicked_at AT TIME ZONE 'UTC', u.ip_address, u.user_agent, u.referrer_url, u.session_id, u.click_source, u.metadata
  FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::inet[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
    AS u(click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id, click_source, metadata)
ON CONFLICT (click_id) DO NOTHING`;

export function postgresClickSink(db: DbPool): ClickSink {
  const scrub = (s: string) => scrubSecrets(s, [db.password]);
  return {
    adapter: 'postgres',
    where: db.where,
    async deliver(clicks, signal) {
      if (signal.aborted) return { kind: 'aborted' };
      const insert = db.pool.query({ text: INSERT_SQL, values: columns(clicks) }).then(
        (r): SinkOutcome => ({ kind: 'answered', recorded: r.rowCount ?? 0, duplicates: clicks.length - (r.rowCount ?? 0) }),
        (err: unknown): SinkOutcome => {
          const f = tableFault(err, scrub) ?? classifyDbError(err, scrub);
          if (f.kind === 'transient') return { kind: 'retry', reason: f.reason, detail: f.detail, retryAfterMs: null };
          if (f.kind === 'refused_access') return { kind: 'unauthorized', detail: f.detail };
          return { kind: 'refused', reason: `rejected: ${f.detail}` };
        },
      );
      // pg cannot abandon a query: on stop we stop waiting. Whether it committed or not,
      // the clicks stay pending and a later resend is a no-op for the rows already stored.
      let onAbort = (): void => undefined;
      const stopped = new Promise<SinkOutcome>((resolve) => {
        onAbort = () => resolve({ kind: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([insert, stopped]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    close: () => db.close(),
  };
}

/** The columns clickrelay writes; a NOT NULL refusal on any other is the table's, not a click's. */
const WRITTEN = new Set(['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata']);

/**
 * A refusal every row gets is the table's fault, not the clicks': a NOT NULL column added to
 * link_clicks that clickrelay never writes (23502 naming that column) would otherwise split
 * every batch down to single clicks and dead-letter each one. Reported like a missing column:
 * shipping pauses with a coded error (CR_ERR_SHIP_DB_ACCESS), the clicks stay pending.
 */
function tableFault(err: unknown, scrub: (s: string) => string): DbFailure | null {
  const e = (err ?? {}) as { code?: unknown; column?: unknown; message?: unknown };
  if (e.code !== '23502' || typeof e.column !== 'string' || WRITTEN.has(e.column)) return null;
  return { kind: 'refused_access', detail: `23502: link_clicks.${e.column} is NOT NULL without a default, and clickrelay does not write it (${scrub(String(e.message ?? '')).slice(0, 200)})` };
}

/** The batch as nine parallel arrays, one per column. */
function columns(clicks: readonly StoredClick[]): unknown[][] {
  const n = clicks.length;
  const cols: unknown[][] = Array.from({ length: 9 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const c = clicks[i]!;
    cols[0]![i] = c.click_id;
    cols[1]![i] = c.tracking_id;
    cols[2]![i] = c.clicked_at;
    cols[3]![i] = c.ip_address;
    cols[4]![i] = c.user_agent;
    cols[5]![i] = c.referrer_url;
    cols[6]![i] = c.session_id;
    cols[7]![i] = c.click_source;
    cols[8]![i] = metadataOnWire(c);
  }
  return cols;
}
