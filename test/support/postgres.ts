/**
 * A throwaway PostgreSQL cluster for one test file: initdb + pg_ctl on a temp folder, a free
 * port, the integration guide's two tables verbatim, and the `link_tracking_user` role with
 * exactly the GRANTs the README asks the DBA for (README_GRANTS; a test keeps the README in
 * step). PostgreSQL refuses to run as root, so under root the folder is handed to the
 * `postgres` user and every server program runs through `runuser -u postgres --`.
 *
 * Fast, not durable: fsync=off (the OS keeps what the server wrote; only a power cut would
 * lose it, and tests do not cut power). synchronous_commit stays on, so a commit the server
 * acknowledged survives `pg_ctl stop -m immediate` — which the fault tests rely on.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './child-service.js';
import { initdb } from './requires.js';

/** The guide's DDL, character for character (integration-guide.md, "Database Schema Requirements"). */
export const GUIDE_DDL = `CREATE TABLE link_tracking (
    tracking_id VARCHAR(100) PRIMARY KEY,
    job_id UUID,
    application_id UUID,
    link_function VARCHAR(50) NOT NULL,
    link_type VARCHAR(50) NOT NULL,
    original_url VARCHAR(1000) NOT NULL,
    redirect_url VARCHAR(1000) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    created_by VARCHAR(100) DEFAULT 'system',
    is_active BOOLEAN DEFAULT TRUE,
    description TEXT
);
CREATE TABLE link_clicks (
    click_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tracking_id VARCHAR(100) NOT NULL,
    clicked_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ip_address INET,
    user_agent TEXT,
    referrer_url VARCHAR(1000),
    session_id VARCHAR(100),
    click_source VARCHAR(50),
    metadata JSONB DEFAULT '{}'
);`;

/** What the README tells the DBA to run, verbatim (test/integration/main-system/readme-grants.test.ts checks it is there). */
export const README_GRANTS = `CREATE ROLE link_tracking_user LOGIN PASSWORD 'the-password';
GRANT CONNECT ON DATABASE job_application_system TO link_tracking_user;
GRANT USAGE ON SCHEMA public TO link_tracking_user;
GRANT SELECT ON link_tracking TO link_tracking_user;
GRANT INSERT ON link_clicks TO link_tracking_user;
GRANT SELECT (click_id) ON link_clicks TO link_tracking_user;`;

export const DB_NAME = 'job_application_system';
export const DB_USER = 'link_tracking_user';
export const DB_PASSWORD = 'the-password';

export interface PgCluster {
  port: number;
  /** postgres://link_tracking_user@127.0.0.1:<port>/job_application_system (no password: give it apart). */
  url: string;
  /** Runs SQL as the superuser in the guide's database. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** `pg_ctl stop -m immediate`: a crash, as far as clients can tell. */
  crash(): void;
  start(): void;
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a cluster with the guide's schema and the README's role. Call `skipUnless(initdb())` first. */
export async function startCluster(): Promise<PgCluster> {
  const found = initdb().path;
  if (!found) throw new Error('initdb not found');
  const bin = dirname(found);
  const dir = mkdtempSync(join(tmpdir(), 'clickrelay-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
  const start = () => run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', opts, 'start']);
  start();

  const superuser = (database: string) => new pg.Client({ host: dir, port, user: 'postgres', database });
  const boot = superuser('postgres');
  await boot.connect();
  await boot.query(`CREATE DATABASE ${DB_NAME}`);
  await boot.end();
  const setup = superuser(DB_NAME);
  await setup.connect();
  await setup.query('REVOKE ALL ON DATABASE job_application_system FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  await setup.query(GUIDE_DDL);
  await setup.query(README_GRANTS);
  await setup.end();

  return {
    port,
    url: `postgres://${DB_USER}@127.0.0.1:${port}/${DB_NAME}`,
    async admin(sql, values) {
      const c = superuser(DB_NAME);
      await c.connect();
      try {
        return await c.query(sql, values);
      } finally {
        await c.end();
      }
    },
    crash() {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    start() {
      start();
    },
    async destroy() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
