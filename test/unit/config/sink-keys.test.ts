/**
 * The keys of #23 and #24 as the contract names them: shipper.sink and [nats] (the sink is
 * chosen by the key, links still come from the main system or sync.file), privacy.country_db
 * and its age limit. A bad value stops the start naming the key (CR_ERR_CONFIG_INVALID), a
 * URL that carries a password is never echoed, and the settings dump carries no credential.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { loggableSettings, resolveSettings } from '../../../src/config/settings.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cr-sink-keys-'));
const load = (env: Record<string, string>) => loadConfig({ env, cwd: dir });

describe('shipper.sink and [nats]', () => {
  it('defaults as the contract says', () => {
    const c = load({});
    expect(c.shipper.sink).toBe('main_system');
    expect(c.nats).toEqual({ url: '', subject: 'clickrelay.clicks', stream: 'CLICKRELAY', credentials_file: '', create_stream: false });
    expect(c.privacy.country_db).toBe('');
    expect(c.privacy.country_db_max_age_days).toBe(60);
  });

  it('sink = "nats" picks the NATS sink; the links still come from sync.file or the main system', () => {
    const file = resolveSettings(load({ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://127.0.0.1:4222' }));
    expect(file).toMatchObject({ linkSource: 'file', clickSink: 'nats', standalone: false });
    const http = resolveSettings(load({ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://127.0.0.1:4222', CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' }));
    expect(http).toMatchObject({ linkSource: 'http', clickSink: 'nats', standalone: false });
    expect(resolveSettings(load({}))).toMatchObject({ linkSource: 'file', clickSink: 'none', standalone: true });
  });

  it.each([
    [{ CLICKRELAY_SHIPPER_SINK: 'kafka' }, /config key shipper\.sink \(from CLICKRELAY_SHIPPER_SINK\) = "kafka" is not allowed: expected one of "main_system", "nats"/],
    [{ CLICKRELAY_SHIPPER_SINK: 'nats' }, /config key nats\.url = "" is not allowed: .*because shipper\.sink = "nats"/],
    [{ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'http://127.0.0.1:4222' }, /config key nats\.url: http:\/\/ is not a NATS scheme/],
    [{ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://127.0.0.1:4222', CLICKRELAY_NATS_SUBJECT: '' }, /config key nats\.subject = "" is not allowed/],
    [{ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://127.0.0.1:4222', CLICKRELAY_NATS_SUBJECT: 'clicks.>' }, /config key nats\.subject = "clicks\.>" is not allowed/],
    [{ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://127.0.0.1:4222', CLICKRELAY_NATS_STREAM: 'A.B' }, /config key nats\.stream = "A\.B" is not allowed/],
    [{ CLICKRELAY_PRIVACY_COUNTRY_DB_MAX_AGE_DAYS: '0' }, /config key privacy\.country_db_max_age_days .* = 0 is not allowed/],
  ])('a bad value is refused naming the key: %o', (env, message) => {
    let err: unknown;
    try {
      load(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CR_ERR_CONFIG_INVALID');
    expect((err as Error).message).toMatch(message);
  });

  it('a password in nats.url is refused without echoing it', () => {
    expect(() => load({ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://relay:s3cr3t-pw@127.0.0.1:4222' })).toThrow(/nats\.url carries credentials/);
    try {
      load({ CLICKRELAY_SHIPPER_SINK: 'nats', CLICKRELAY_NATS_URL: 'nats://relay:s3cr3t-pw@127.0.0.1:4222' });
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t-pw');
    }
  });

  it('paths are made absolute against the config folder; the settings dump names the credential file only', () => {
    const p = join(dir, 'nats.toml');
    writeFileSync(p, '[shipper]\nsink = "nats"\n[nats]\nurl = "nats://a:4222,nats://b:4222"\ncredentials_file = "relay.creds"\n[privacy]\ncountry_db = "geo/country.mmdb"\n');
    const c = loadConfig({ file: p, env: {} });
    expect(c.nats.credentials_file).toBe(join(dir, 'relay.creds'));
    expect(c.privacy.country_db).toBe(join(dir, 'geo/country.mmdb'));
    const logged = loggableSettings(resolveSettings(c)) as { nats: Record<string, unknown> };
    expect(logged.nats).toMatchObject({ url: 'nats://a:4222,nats://b:4222', credentials_file: join(dir, 'relay.creds') });
  });
});
