/**
 * What `clickrelay status` says about the main system: which adapter, where (no
 * credentials), and — for the database — whether it answers now and whether the role has
 * the two rights clickrelay needs. One short-lived connection, a 3 s limit. Which probe a
 * configuration gets is src/adapters/registry.ts's choice.
 */
import { readDatabasePassword } from './credentials.js';
import { openPool } from './postgres/pool.js';
import { classifyDbError } from './postgres/sqlstate.js';
import { scrubSecrets } from '../errors.js';
import { redactDatabaseUrl, redactHttpUrl } from '../lib/redact.js';

export interface MainSystemProbe {
  /** The click sink's kind ('http', 'postgres'), or null standalone. */
  adapter: string | null;
  where: string | null;
  /** null: not probed (HTTP, standalone). */
  reachable: boolean | null;
  can_select_links: boolean | null;
  can_insert_clicks: boolean | null;
  /** SELECT on link_clicks.click_id, which the INSERT's ON CONFLICT (click_id) reads (click-sink.ts). */
  can_read_click_id: boolean | null;
  error: string | null;
}

const PROBE_MS = 3_000;

const NOT_PROBED = { reachable: null, can_select_links: null, can_insert_clicks: null, can_read_click_id: null, error: null } as const;

/** Nothing to probe: `adapter` names the kind (null standalone), `where` where it points. */
export function unprobed(adapter: string | null, where: string | null): MainSystemProbe {
  return { adapter, where, ...NOT_PROBED };
}

/** The HTTP API: named only; status sends it nothing. */
export async function probeHttp(ms: { base_url: string }): Promise<MainSystemProbe> {
  return unprobed('http', redactHttpUrl(ms.base_url));
}

/** The database: one connection asks whether the role holds the two rights clickrelay needs. */
export async function probeDatabase(ms: { database_url: string; database_password_file: string }, env: NodeJS.ProcessEnv = process.env): Promise<MainSystemProbe> {
  const adapter = 'postgres';
  const none = NOT_PROBED;
  const where = redactDatabaseUrl(ms.database_url);
  let password: string | undefined;
  try {
    password = readDatabasePassword(ms, env).value;
  } catch (err) {
    return { adapter, where, ...none, reachable: false, error: (err as Error).message };
  }
  const db = openPool({ url: ms.database_url, password, max: 1, timeoutMs: PROBE_MS, purpose: 'status' });
  try {
    // Every right the adapter uses: the listing and the lookup read link_tracking; a batch is
    // an INSERT whose ON CONFLICT (click_id) needs SELECT on that column (click-sink.ts).
    const r = await db.pool.query<{ s: boolean; i: boolean; c: boolean }>(
      "SELECT has_table_privilege('link_tracking', 'SELECT') AS s, has_table_privilege('link_clicks', 'INSERT') AS i, has_column_privilege('link_clicks', 'click_id', 'SELECT') AS c",
    );
    const row = r.rows[0]!;
    return { adapter, where, reachable: true, can_select_links: row.s, can_insert_clicks: row.i, can_read_click_id: row.c, error: null };
  } catch (err) {
    const f = classifyDbError(err, (s) => scrubSecrets(s, [password]));
    return { adapter, where, ...none, reachable: f.kind === 'transient' ? false : true, error: f.detail };
  } finally {
    await db.close();
  }
}
