/** Which peers would carry the API key, the password or clicks in clear text (lib/transport.ts), asked through the registry. */
import { describe, expect, it } from 'vitest';
import { transportWeakened } from '../../../src/adapters/registry.js';
import { loadConfig } from '../../../src/config/load.js';
import { resolveSettings } from '../../../src/config/settings.js';
import { httpTransport, natsTransport, postgresTransport } from '../../../src/lib/transport.js';

const settings = (env: Record<string, string>) => resolveSettings(loadConfig({ env: { CLICKRELAY_STORAGE_DATA_DIR: '/tmp/x', ...env } }));

describe('transport', () => {
  it('http:// to another machine is clear text; https:// and loopback are not', () => {
    expect(httpTransport('k', 'http://jobs.example.com/api')!.safe).toBe(false);
    expect(httpTransport('k', 'https://jobs.example.com')!.safe).toBe(true);
    for (const u of ['http://127.0.0.1:8095', 'http://localhost', 'http://[::1]:80']) expect(httpTransport('k', u)!.safe, u).toBe(true);
    expect(httpTransport('k', '')).toBeNull();
  });

  it('a remote database needs sslmode=require or stricter; no sslmode is libpq\'s "prefer", clear text possible', () => {
    expect(postgresTransport('k', 'postgres://u@db.example.com/x?sslmode=disable')!.safe).toBe(false);
    expect(postgresTransport('k', 'postgres://u@db.example.com/x')!.warning).toContain('no sslmode');
    expect(postgresTransport('k', 'postgres://u@db.example.com/x?sslmode=verify-full')!.safe).toBe(true);
    expect(postgresTransport('k', 'postgres://u@127.0.0.1/x?sslmode=disable')!.safe).toBe(true);
    expect(postgresTransport('k', 'postgres://u@db.example.com/x?host=/run/postgresql')!.safe).toBe(true);
  });

  it('nats:// to a remote server without TLS is clear text', () => {
    expect(natsTransport('nats.servers', ['nats://nats.example.com:4222'], false)!.safe).toBe(false);
    expect(natsTransport('nats.servers', ['nats://nats.example.com:4222'], true)!.safe).toBe(true);
    expect(natsTransport('nats.servers', ['tls://nats.example.com:4222'], false)!.safe).toBe(true);
    expect(natsTransport('nats.servers', ['nats://127.0.0.1:4222'], false)!.safe).toBe(true);
  });

  it('the registry asks the configured kinds, and names a shared URL once', () => {
    const w = transportWeakened(settings({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://jobs.example.com' }));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ key: 'main_system.base_url', value: 'http://jobs.example.com' });
    expect(transportWeakened(settings({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' }))).toEqual([]);
    expect(transportWeakened(settings({ CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'postgres://u@db.example.com/x?sslmode=disable' }))[0]!.key).toBe('main_system.database_url');
    expect(transportWeakened(settings({}))).toEqual([]);
  });
});
