/**
 * The PostgreSQL adapter (the guide's "Database Direct Integration"), opened from the
 * configuration: each user gets its own small pool, so a slow listing never queues the
 * shipper's inserts or a miss lookup behind it.
 *
 * Exported here: the two openers the service, the CLI and the mirror call.
 */
import { readDatabasePassword } from '../credentials.js';
import type { LinkLookup } from '../../mirror/ports.js';
import type { ClickSink } from '../../shipper/ports.js';
import { postgresClickSink } from './click-sink.js';
import { postgresLinkLookup } from './link-lookup.js';
import { openPool } from './pool.js';

// bench/ship-pg.mjs times this statement against a multi-row VALUES list on one connection.
export { INSERT_SQL } from './click-sink.js';

export interface DatabaseSettings {
  database_url: string;
  database_password_file: string;
  timeout_ms: number;
}

export function openClickSink(ms: DatabaseSettings, connections: number, env: NodeJS.ProcessEnv = process.env): ClickSink {
  const pw = readDatabasePassword(ms, env);
  return postgresClickSink(openPool({ url: ms.database_url, password: pw.value, max: connections, timeoutMs: ms.timeout_ms, purpose: 'shipper' }));
}

export function openLinkLookup(ms: DatabaseSettings, lookupTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): LinkLookup {
  const pw = readDatabasePassword(ms, env);
  return postgresLinkLookup(openPool({ url: ms.database_url, password: pw.value, max: 2, timeoutMs: lookupTimeoutMs, purpose: 'miss lookup' }));
}
