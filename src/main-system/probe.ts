/**
 * What `clickrelay status` says about the main system: which adapter, where (no
 * credentials), and — for the database — whether it answers now and whether the role has
 * the two rights clickrelay needs. One short-lived connection, a 3 s limit.
 */
import { mainSystemAdapter, type MainSystemAdapter } from './adapter.js';
import { readDatabasePassword } from './credentials.js';
import { openPool } from './postgres/pool.js';
import { classifyDbError } from './postgres/sqlstate.js';
import { scrubSecrets } from '../errors.js';
import { redactDatabaseUrl } from './redact.js';

export interface MainSystemProbe {
  adapter: MainSystemAdapter;
  where: string | null;
  /** null: not probed (HTTP, standalone). */
  reachable: boolean | null;
  can_select_links: boolean | null;
  can_insert_clicks: boolean | null;
  error: string | null;
}

const PROBE_MS = 3_000;

export async function probeMainSystem(
  ms: { base_url: string; database_url: string; database_password_file: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<MainSystemProbe> {
  const adapter = mainSystemAdapter(ms);
  const none = { reachable: null, can_select_links: null, can_insert_clicks: null, error: null };
  if (adapter === 'http') return { adapter, where: safeHttp(ms.base_url), ...none };
  if (adapter === null) return { adapter, where: null, ...none };
  const where = redactDatabaseUrl(ms.database_url);
  let password: string | undefined;
  try {
    password = readDatabasePassword(ms, env).value;
  } catch (err) {
    return { adapter, where, ...none, reachable: false, error: (err as Error).message };
  }
  const db = openPool({ url: ms.database_url, password, max: 1, timeoutMs: PROBE_MS, purpose: 'status' });
  try {
    const r = await db.pool.query<{ s: boolean; i: boolean }>(
      "SELECT has_table_privilege('link_tracking', 'SELECT') AS s, has_table_privilege('link_clicks', 'INSERT') AS i",
    );
    const row = r.rows[0]!;
    return { adapter, where, reachable: true, can_select_links: row.s, can_insert_clicks: row.i, error: null };
  } catch (err) {
    const f = classifyDbError(err, (s) => scrubSecrets(s, [password]));
    return { adapter, where, ...none, reachable: f.kind === 'transient' ? false : true, error: f.detail };
  } finally {
    await db.close();
  }
}

function safeHttp(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
