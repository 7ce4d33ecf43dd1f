import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { resolveKinds } from '../../../src/config/settings.js';
import { readDatabasePassword } from '../../../src/main-system/credentials.js';
import { redactDatabaseUrl } from '../../../src/lib/redact.js';
import { classifyDbError } from '../../../src/main-system/postgres/sqlstate.js';
import { README_GRANTS } from '../../support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'cr-db-config-'));

describe('main_system.database_url', () => {
  it('selects the PostgreSQL adapter; base_url and database_url together is an error naming both', () => {
    const c = loadConfig({ env: { CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'postgres://link_tracking_user@db:5432/job_application_system?sslmode=verify-full' }, cwd: dir });
    expect(resolveKinds(c.main_system)).toMatchObject({ linkSource: 'postgres', clickSink: 'postgres' });
    expect(() =>
      loadConfig({ env: { CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com', CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'postgres://u@db/x' }, cwd: dir }),
    ).toThrow(/main_system\.base_url and main_system\.database_url are both set/);
  });

  it('a URL that is not postgres:// is refused, and the error shows it without its password', () => {
    let msg = '';
    try {
      loadConfig({ env: { CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'mysql://u:Hunter2-secret@db/x' }, cwd: dir });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/main_system\.database_url = "mysql:\/\/u@db\/x" is not allowed/);
    expect(msg).not.toContain('Hunter2-secret');
  });

  it('redaction removes a password from the userinfo and from ?password=, and keeps sslmode', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss-word@db:5432/x?sslmode=verify-full&password=again-secret')).toBe('postgres://u@db:5432/x?sslmode=verify-full');
  });

  it('the password comes from the file, then the systemd credential, then $PGPASSWORD; none is fine', () => {
    const f = join(dir, 'pw');
    writeFileSync(f, 'from-file\n');
    const cred = mkdtempSync(join(dir, 'cred-'));
    writeFileSync(join(cred, 'main_system_database_password'), 'from-credential');
    expect(readDatabasePassword({ database_password_file: f }, { PGPASSWORD: 'from-env', CREDENTIALS_DIRECTORY: cred })).toEqual({ value: 'from-file', origin: `file:${f}` });
    expect(readDatabasePassword({ database_password_file: '' }, { PGPASSWORD: 'from-env', CREDENTIALS_DIRECTORY: cred }).value).toBe('from-credential');
    expect(readDatabasePassword({ database_password_file: '' }, { PGPASSWORD: 'from-env' }).value).toBe('from-env');
    expect(readDatabasePassword({ database_password_file: '' }, {})).toEqual({ value: undefined, origin: 'none' });
    expect(() => readDatabasePassword({ database_password_file: join(dir, 'missing') }, {})).toThrow(/database_password_file .*ENOENT/);
  });
});

describe('what a PostgreSQL failure means', () => {
  const kind = (code: string, message = 'x') => classifyDbError(Object.assign(new Error(message), { code }), (s) => s);
  it('shutdown, startup, failover, serialization and deadlock are retried; rights refuse; data errors blame the row', () => {
    for (const c of ['57P01', '57P03', '08006', '25006']) expect(kind(c)).toMatchObject({ kind: 'transient', reason: 'connection' });
    for (const c of ['40001', '40P01', '53300']) expect(kind(c)).toMatchObject({ kind: 'transient', reason: 'server_error' });
    expect(kind('57014')).toMatchObject({ kind: 'transient', reason: 'timeout' });
    expect(kind('ECONNREFUSED')).toMatchObject({ kind: 'transient', reason: 'connection' });
    for (const c of ['42501', '28P01', '42P01']) expect(kind(c).kind).toBe('refused_access');
    for (const c of ['22001', '23503', '22P02']) expect(kind(c).kind).toBe('bad_row');
  });
  it('the password is scrubbed from what a failure says', () => {
    const f = classifyDbError(Object.assign(new Error('auth for s3cret-pw failed'), { code: '28P01' }), (s) => s.split('s3cret-pw').join('[redacted]'));
    expect(f.detail).toBe('28P01: auth for [redacted] failed');
  });
});

describe('README', () => {
  it('asks the DBA for exactly the GRANTs the tests connect with', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(README_GRANTS);
  });
});
