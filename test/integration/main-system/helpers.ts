/**
 * Shared by the PostgreSQL adapter's tests: a configuration pointing at a test cluster (the
 * password in a file, as a systemd credential would be), and the guide's link rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { DB_PASSWORD, type PgCluster } from '../../support/postgres.js';

export function pgConfig(cluster: PgCluster, dataDir: string, env: Record<string, string> = {}): { config: Config; env: Record<string, string> } {
  const pwFile = join(dataDir, 'db-password');
  writeFileSync(pwFile, DB_PASSWORD + '\n', { mode: 0o600 });
  const all = {
    CLICKRELAY_STORAGE_DATA_DIR: dataDir,
    CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: cluster.url,
    CLICKRELAY_MAIN_SYSTEM_DATABASE_PASSWORD_FILE: pwFile,
    CLICKRELAY_MAIN_SYSTEM_TIMEOUT_MS: '3000',
    CLICKRELAY_SYNC_MISS_TIMEOUT_MS: '1000',
    CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '300',
    CLICKRELAY_LOG_LEVEL: 'warn',
    ...env,
  };
  return { config: loadConfig({ env: all }), env: all };
}

/** Inserts link rows the way the main system would (every NOT NULL column of the guide filled). */
export async function insertLinks(cluster: PgCluster, links: { id: string; url: string; active?: boolean | null; description?: string }[]): Promise<void> {
  if (links.length === 0) return;
  await cluster.admin(
    `INSERT INTO link_tracking (tracking_id, link_function, link_type, original_url, redirect_url, is_active, description, created_by)
     SELECT id, 'LinkedIn', 'profile', url, 'https://links.example.com/track/' || id, active, descr, 'recruiter@example.com'
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[]) AS u(id, url, active, descr)`,
    [links.map((l) => l.id), links.map((l) => l.url), links.map((l) => (l.active === undefined ? true : l.active)), links.map((l) => l.description ?? 'Professional LinkedIn profile')],
  );
}
