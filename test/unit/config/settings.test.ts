/**
 * The settings every stage is built from (src/config/settings.ts): the derived facts are
 * computed once and mean the same thing to serve and every command; the object cannot be
 * changed after it is resolved; the start-up log line carries no secret.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import ipaddr from 'ipaddr.js';
import { loggableSettings, resolveClonedSettings, resolveSettings } from '../../../src/config/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'cr-settings-'));
const settingsOf = (env: Record<string, string>) => resolveSettings(loadConfig({ env, cwd: dir }));

describe('resolveSettings', () => {
  it('derives standalone, the link source and click sink, durability and fail-closed from the keys', () => {
    const standalone = settingsOf({});
    expect(standalone).toMatchObject({ standalone: true, linkSource: 'file', clickSink: 'none', durability: 'durable', durable: true, failClosed: false, mainSystemOrigin: '' });

    const http = settingsOf({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://user:pw@jobs.example.com/api/', CLICKRELAY_OUTBOX_DURABILITY: 'fast', CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-closed' });
    expect(http).toMatchObject({ standalone: false, linkSource: 'http', clickSink: 'http', durability: 'fast', durable: false, failClosed: true });
    // The origin only: no user info, no path (what serve.json and the status page may show).
    expect(http.mainSystemOrigin).toBe('https://jobs.example.com');

    const pg = settingsOf({ CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'postgres://relay:secret@db.example.com:5432/jobs' });
    expect(pg).toMatchObject({ standalone: false, linkSource: 'postgres', clickSink: 'postgres', mainSystemOrigin: '' });
  });

  it('parses server.trust_proxy once into the matcher the redirect uses', () => {
    const s = settingsOf({ CLICKRELAY_SERVER_TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32, 192.0.2.7' });
    expect(s.trustedProxies.size).toBe(3);
    expect(s.trustedProxies.v4.map(([, bits]) => bits)).toEqual([8, 32]);
    expect(s.trustedProxies.v6.map(([, bits]) => bits)).toEqual([32]);
  });

  it('settings cloned into a worker thread get working trust_proxy ranges again (a clone keeps data, not classes)', () => {
    const s = settingsOf({ CLICKRELAY_SERVER_TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32' });
    const again = resolveClonedSettings(structuredClone(s));
    expect(again.trustedProxies.v4[0]![0]).toBeInstanceOf(ipaddr.IPv4);
    expect(ipaddr.parse('10.1.2.3').match(again.trustedProxies.v4[0]!)).toBe(true);
    expect(ipaddr.parse('2001:db8::1').match(again.trustedProxies.v6[0]!)).toBe(true);
    expect(again).toMatchObject({ standalone: s.standalone, durability: s.durability, threads: s.threads, server: s.server });
  });

  it('is deep-frozen: no stage can change what another one was built from', () => {
    const s = settingsOf({ CLICKRELAY_SERVER_TRUST_PROXY: '10.0.0.0/8' });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.server)).toBe(true);
    expect(Object.isFrozen(s.server.trust_proxy)).toBe(true);
    expect(Object.isFrozen(s.trustedProxies.v4)).toBe(true);
    expect(() => {
      (s as { standalone: boolean }).standalone = false;
    }).toThrow(TypeError);
    expect(() => {
      (s.outbox as { durability: string }).durability = 'fast';
    }).toThrow(TypeError);
    expect(s.durable).toBe(true);
  });

  it('resolving settings again gives the same object (startService accepts either)', () => {
    const s = settingsOf({});
    expect(resolveSettings(s)).toBe(s);
  });

  it('the start-up log form names every key and derived fact, never the database password', () => {
    const s = settingsOf({ CLICKRELAY_MAIN_SYSTEM_DATABASE_URL: 'postgres://relay:hunter2secret@db.example.com:5432/jobs' });
    const logged = loggableSettings(s);
    const text = JSON.stringify(logged);
    expect(text).not.toContain('hunter2secret');
    expect(text).toContain('db.example.com');
    for (const section of ['server', 'admin', 'storage', 'main_system', 'sync', 'privacy', 'outbox', 'shipper', 'log']) expect(logged).toHaveProperty(section);
    expect(logged).toMatchObject({ standalone: false, linkSource: 'postgres', clickSink: 'postgres', durability: 'durable', durable: true, failClosed: false });
  });
});
