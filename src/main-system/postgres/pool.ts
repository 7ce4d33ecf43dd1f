/**
 * One small pg pool per use (the sync thread, the miss lookup, the shipper), from
 * `main_system.database_url`. libpq URL parameters (`sslmode`, `sslrootcert`, …) are read by
 * pg itself; the password comes from credentials.ts and never from text we format.
 *
 * Why these settings: a statement timeout on the server and a query timeout on the client
 * (a half-open TCP connection answers nothing, and the server cannot time that out), a
 * connect timeout (a firewall that drops SYNs), keep-alive (NAT and failover proxies drop idle
 * connections silently), and an error listener (an idle client whose server restarted emits
 * 'error'; unheard, that would end the process).
 */
import type pg from 'pg';
import { lazyRequire } from '../../lib/lazy-require.js';
import { redactDatabaseUrl } from '../../lib/redact.js';

const pgLib = lazyRequire<typeof pg>('pg');

export interface PoolOptions {
  url: string;
  password: string | undefined;
  /** Connections at most; the shipper uses shipper.concurrency, the others 1–2. */
  max: number;
  /** main_system.timeout_ms: connect, statement and client-side query limit. */
  timeoutMs: number;
  /** Names the connection in pg_stat_activity. */
  purpose: string;
}

export interface DbPool {
  pool: pg.Pool;
  /** The URL without its password: for messages and sync_state.source. */
  where: string;
  password: string | undefined;
  close(): Promise<void>;
}

/**
 * pg lets every field parsed from connectionString override the explicit options, a missing
 * password included, so the password has to travel inside the URL (in memory only; `where`
 * is what is ever shown).
 */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export function openPool(o: PoolOptions): DbPool {
  const pool = new (pgLib().Pool)({
    connectionString: withPassword(o.url, o.password),
    max: o.max,
    connectionTimeoutMillis: o.timeoutMs,
    statement_timeout: o.timeoutMs,
    query_timeout: o.timeoutMs + 1_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: `clickrelay ${o.purpose}`,
  });
  pool.on('error', () => {
    // An idle connection died (server restart, failover): the pool drops it and the next
    // query opens a new one. Nothing to do here, and nothing may throw.
  });
  let closed: Promise<void> | null = null;
  return {
    pool,
    where: redactDatabaseUrl(o.url),
    password: o.password,
    close: () => (closed ??= pool.end().catch(() => undefined)),
  };
}
