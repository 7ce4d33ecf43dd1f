import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { SCHEMA } from '../../../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'cr-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('configuration', () => {
  it('runs on built-in defaults with no file', () => {
    const c = loadConfig({ env: {}, cwd: dir });
    expect(c.server.port).toBe(8080);
    expect(c.outbox.durability).toBe('durable');
    expect(c.storage.data_dir).toBe(resolve(dir, 'data'));
  });

  it('the shipped config/clickrelay.toml names every key of the schema and loads', () => {
    const shipped = resolve('config/clickrelay.toml');
    const text = readFileSync(shipped, 'utf8');
    for (const [section, keys] of Object.entries(SCHEMA)) {
      expect(text).toContain(`[${section}]`);
      for (const key of Object.keys(keys)) expect(text, `${section}.${key}`).toMatch(new RegExp(`^${key} = `, 'm'));
    }
    const c = loadConfig({ file: shipped, env: {} });
    expect(c.sync.file).toBe(resolve('config/links.example.json'));
  });

  it('an unknown key stops start-up with a line naming it', () => {
    const p = file('typo.toml', '[server]\nprot = 8081\n');
    expect(() => loadConfig({ file: p, env: {} })).toThrow(/config key server\.prot = 8081 is not allowed: expected one of the known keys/);
  });

  it('an unknown section is named', () => {
    const p = file('section.toml', '[servr]\nport = 1\n');
    expect(() => loadConfig({ file: p, env: {} })).toThrow(/config key servr = .* known sections/);
  });

  it.each([
    ['[server]\nport = 70000\n', /server\.port = 70000 .*from 0 to 65535/],
    ['[server]\nredirect_status = 304\n', /server\.redirect_status = 304 .*one of 301, 302, 303, 307, 308/],
    ['[outbox]\ndurability = "maybe"\n', /outbox\.durability = "maybe" .*"durable", "fast"/],
    ['[privacy]\nhonor_dnt = "yes"\n', /privacy\.honor_dnt = "yes" .*true or false/],
    ['[server]\ntrust_proxy = ["10.0.0.0/33"]\n', /server\.trust_proxy = "10\.0\.0\.0\/33"/],
    // Accepted by ipaddr.js but refused by the parser serve builds its matcher with: these
    // used to pass the loader and then crash serve with a plain Error (exit 1).
    ['[server]\ntrust_proxy = ["010.0.0.1"]\n', /server\.trust_proxy = "010\.0\.0\.1"/],
    ['[server]\ntrust_proxy = ["::ffff:10.0.0.0/8"]\n', /server\.trust_proxy = "::ffff:10\.0\.0\.0\/8"/],
    ['[sync]\nschedule = "every minute"\n', /sync\.schedule = "every minute"/],
    ['[main_system]\nbase_url = "ftp://x"\n', /main_system\.base_url = "ftp:\/\/x"/],
    ['[admin]\nhost = "0.0.0.0"\n', /admin\.token_file .*not loopback/],
  ])('a bad value stops start-up naming key, value and what is allowed: %s', (text, message) => {
    expect(() => loadConfig({ file: file('bad.toml', text), env: {} })).toThrow(message);
  });

  it('environment overrides file values, with the same validation', () => {
    const p = file('env.toml', '[server]\nport = 8081\n');
    expect(loadConfig({ file: p, env: { CLICKRELAY_SERVER_PORT: '8082' } }).server.port).toBe(8082);
    expect(loadConfig({ file: p, env: { CLICKRELAY_STORAGE_DATA_DIR: '/tmp/x' } }).storage.data_dir).toBe('/tmp/x');
    expect(loadConfig({ file: p, env: { CLICKRELAY_SERVER_TRUST_PROXY: '10.0.0.0/8, ::1' } }).server.trust_proxy).toEqual(['10.0.0.0/8', '::1']);
    expect(() => loadConfig({ file: p, env: { CLICKRELAY_SERVER_PORT: 'eighty' } })).toThrow(/server\.port \(from CLICKRELAY_SERVER_PORT\) = "eighty"/);
  });

  it('relative paths resolve against the config file folder', () => {
    const p = file('paths.toml', '[storage]\ndata_dir = "state"\n[sync]\nfile = "links.json"\n');
    const c = loadConfig({ file: p, env: {} });
    expect(c.storage.data_dir).toBe(join(dir, 'state'));
    expect(c.sync.file).toBe(join(dir, 'links.json'));
  });

  it('the resolved config is frozen', () => {
    const c = loadConfig({ env: {}, cwd: dir });
    expect(Object.isFrozen(c) && Object.isFrozen(c.server)).toBe(true);
  });

  it('a missing file and invalid TOML are reported by name', () => {
    expect(() => loadConfig({ file: join(dir, 'nope.toml'), env: {} })).toThrow(/cannot read config file .*nope\.toml: ENOENT/);
    expect(() => loadConfig({ file: file('broken.toml', '[server\n'), env: {} })).toThrow(/is not valid TOML/);
  });
});

describe('sync guard keys', () => {
  it('sync.max_change_ratio takes a fraction from the file or the environment, and refuses one outside 0..1', () => {
    expect(loadConfig({ env: {}, cwd: dir }).sync.max_change_ratio).toBe(0.1);
    expect(loadConfig({ file: file('ratio.toml', '[sync]\nmax_change_ratio = 0.25\n'), env: {} }).sync.max_change_ratio).toBe(0.25);
    expect(loadConfig({ env: { CLICKRELAY_SYNC_MAX_CHANGE_RATIO: '0.5' }, cwd: dir }).sync.max_change_ratio).toBe(0.5);
    expect(() => loadConfig({ file: file('ratio-bad.toml', '[sync]\nmax_change_ratio = 1.5\n'), env: {} })).toThrow(/sync\.max_change_ratio = 1\.5 is not allowed: expected a number from 0 to 1/);
    expect(() => loadConfig({ env: { CLICKRELAY_SYNC_MAX_CHANGE_RATIO: 'ten percent' }, cwd: dir })).toThrow(/sync\.max_change_ratio \(from CLICKRELAY_SYNC_MAX_CHANGE_RATIO\) = "ten percent" is not allowed/);
  });
});
