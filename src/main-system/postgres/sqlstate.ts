/**
 * What a PostgreSQL failure means for the work that hit it, by SQLSTATE class (PostgreSQL
 * docs, Appendix A) or, for failures below SQL, by the socket's errno. Pure.
 *
 * - transient: connection lost or refused, server shutting down or starting (57P01,
 *   57P02, 57P03), failover to a read-only standby (25006), serialization failure (40001),
 *   deadlock (40P01), resources (53xxx), statement timeout (57014) → retry with backoff;
 * - refused credential or rights (28xxx, 42501), and a schema that is not the guide's (no
 *   such table/column/database) → the operator must act; pause, never blame the clicks;
 * - data (22xxx) and integrity (23xxx) errors → the row is at fault: only for the sink.
 * Anything else is retried: a click is never given up on an error we do not understand.
 */
export type DbFailure =
  | { kind: 'transient'; reason: 'connection' | 'timeout' | 'server_error'; detail: string }
  | { kind: 'refused_access'; detail: string }
  | { kind: 'bad_row'; detail: string };

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const SCHEMA_MISMATCH = new Set(['3D000', '42P01', '42703', '42883', '3F000']);

export function classifyDbError(err: unknown, scrub: (s: string) => string): DbFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = scrub(typeof e.message === 'string' ? e.message : String(err)).slice(0, 300);
  const detail = code ? `${code}: ${message}` : message;
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const cls = code.slice(0, 2);
    if (cls === '08' || code === '57P01' || code === '57P02' || code === '57P03' || code === '25006') return { kind: 'transient', reason: 'connection', detail };
    if (code === '57014') return { kind: 'transient', reason: 'timeout', detail };
    if (cls === '28' || code === '42501' || SCHEMA_MISMATCH.has(code)) return { kind: 'refused_access', detail };
    if (cls === '22' || cls === '23') return { kind: 'bad_row', detail };
    return { kind: 'transient', reason: 'server_error', detail };
  }
  if (CONNECTION_ERRNOS.has(code)) return { kind: 'transient', reason: 'connection', detail };
  if (/timeout/i.test(message)) return { kind: 'transient', reason: 'timeout', detail };
  // pg's own words for a connection that died under a query ("Connection terminated
  // unexpectedly", "Client has encountered a connection error and is not queryable").
  return { kind: 'transient', reason: 'connection', detail };
}
