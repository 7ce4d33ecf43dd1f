/**
 * Every stage's error reaches the operator as one coded line from the built CLI (issue #13):
 * configuration mistakes found after loading (a trusted proxy the loader lets through, an
 * unreadable admin.token_file, no API key, ship with nowhere to ship) exit 2 like those the
 * loader finds; a mirror error (main system down) and an outbox error (outbox.db damaged)
 * exit 1, each as `clickrelay…: CR_ERR_<AREA>_<WHAT>: message`, no stack, the code once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../unit/audit/helpers.js';
import { freePort } from '../../support/child-service.js';
import { cli, dataDirEnv, type CliResult } from '../audit/cli.js';

/** The one line printed on stderr (nothing else there: logs are kept to errors). */
function oneLine(r: CliResult): string {
  expect(r.stderr).not.toContain('    at ');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

const quiet = (dir: string, more: Record<string, string> = {}) => dataDirEnv(dir, { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0', CLICKRELAY_LOG_LEVEL: 'silent', ...more });

/** A data folder whose outbox.db is garbage from its first byte (no SQLite header). */
function damagedOutbox(): string {
  const dir = tempDataDir();
  writeFileSync(join(dir, 'outbox.db'), Buffer.alloc(8192, 'garbage!'));
  return dir;
}

describe('configuration mistakes found after loading exit 2 with CR_ERR_CONFIG_INVALID', () => {
  it('serve: a trust_proxy entry no proxy range can be (IPv4-mapped, shorter than /96) is refused at load, naming the key', async () => {
    const r = await cli(['serve'], quiet(tempDataDir(), { CLICKRELAY_SERVER_TRUST_PROXY: '::ffff:10.0.0.0/64' }));
    expect(oneLine(r)).toBe('clickrelay: CR_ERR_CONFIG_INVALID: config key server.trust_proxy = "::ffff:10.0.0.0/64" is not allowed: expected CIDRs such as "10.0.0.0/8" or single addresses');
    expect(r.code).toBe(2);
  }, 30_000);

  it('serve: an admin.token_file that cannot be read names the key and the errno', async () => {
    const dir = tempDataDir();
    // A folder, not a file: unreadable as a token whatever the user (tests may run as root).
    const tokenFile = join(dir, 'token-is-a-folder');
    mkdirSync(tokenFile);
    const r = await cli(['serve'], quiet(dir, { CLICKRELAY_ADMIN_TOKEN_FILE: tokenFile }));
    expect(oneLine(r)).toBe(`clickrelay: CR_ERR_CONFIG_INVALID: admin.token_file = "${tokenFile}": cannot read the file (EISDIR)`);
    expect(r.code).toBe(2);
  }, 30_000);

  it('serve: an empty admin.token_file is refused (it would lock every caller out)', async () => {
    const dir = tempDataDir();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, '\n');
    const r = await cli(['serve'], quiet(dir, { CLICKRELAY_ADMIN_TOKEN_FILE: tokenFile }));
    expect(oneLine(r)).toBe(`clickrelay: CR_ERR_CONFIG_INVALID: admin.token_file = "${tokenFile}": the file is empty`);
    expect(r.code).toBe(2);
  }, 30_000);

  it('ship --once standalone: nowhere to ship to', async () => {
    const r = await cli(['ship', '--once'], quiet(tempDataDir()));
    expect(oneLine(r)).toMatch(/^clickrelay: CR_ERR_CONFIG_INVALID: ship: main_system\.base_url and main_system\.database_url are empty \(standalone\)/);
    expect(r.code).toBe(2);
  });
});

describe('a mirror error reaching the CLI', () => {
  it('sync and ship without an API key: CR_ERR_MAIN_NO_API_KEY, a configuration mistake (exit 2)', async () => {
    const env = quiet(tempDataDir(), { CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    const sync = await cli(['sync'], env);
    expect(oneLine(sync)).toMatch(/^clickrelay sync failed, the old mirror stays: CR_ERR_MAIN_NO_API_KEY: main_system\.base_url is set but no API key was found/);
    expect(sync.code).toBe(2);
    const ship = await cli(['ship', '--once'], env);
    expect(oneLine(ship)).toMatch(/^clickrelay: CR_ERR_MAIN_NO_API_KEY: main_system\.base_url is set but no API key was found/);
    expect(ship.code).toBe(2);
  }, 30_000);

  it('sync against a main system that is down: CR_ERR_MIRROR_NETWORK, exit 1', async () => {
    const env = quiet(tempDataDir(), { CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${await freePort()}`, CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k' });
    const r = await cli(['sync'], env);
    expect(oneLine(r)).toMatch(/^clickrelay sync failed, the old mirror stays: CR_ERR_MIRROR_NETWORK: /);
    expect(r.code).toBe(1);
  }, 30_000);
});

describe('an outbox error reaching the CLI', () => {
  it('ship --once on a damaged outbox.db: CR_ERR_OUTBOX_OPEN once, exit 1', async () => {
    const dir = damagedOutbox();
    const r = await cli(['ship', '--once'], quiet(dir, { CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${await freePort()}`, CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k' }));
    const line = oneLine(r);
    expect(line).toMatch(/^clickrelay: CR_ERR_OUTBOX_OPEN: .*outbox\.db cannot be read as a SQLite database: file is not a database/);
    // The writer thread's message crossed to the main thread without its code glued on again.
    expect(line.split('CR_ERR_').length - 1).toBe(1);
    expect(r.code).toBe(1);
  }, 30_000);

  it('status on a damaged outbox.db: CR_ERR_OUTBOX_OPEN (not CR_ERR_UNEXPECTED), exit 1', async () => {
    const dir = damagedOutbox();
    const r = await cli(['status'], quiet(dir));
    expect(oneLine(r)).toBe(`clickrelay: CR_ERR_OUTBOX_OPEN: ${dir}/outbox.db cannot be read: SQLITE_NOTADB: file is not a database`);
    expect(r.code).toBe(1);
  });
});
