/**
 * Whether the API key, the database password or the clicks cross a network in clear text:
 * one small judgement per kind of URL, used by each adapter's registry entry
 * (adapters/kinds.ts `transport`). Loopback and Unix sockets never leave the machine; a
 * remote peer needs TLS (https://, sslmode=require or stricter, tls:// / nats with TLS).
 */
import { isIP } from 'node:net';

export interface Transport {
  /** The setting (`section.key`). */
  readonly key: string;
  /** The peer as the setting names it, without credentials ("http://jobs.example.com"). */
  readonly peer: string;
  /** The setting and peer ("main_system.base_url http://jobs.example.com"). */
  readonly what: string;
  /** Encrypted, or never leaves this machine. */
  readonly safe: boolean;
  /** When not safe: what crosses the network and how to fix it. */
  readonly warning: string | null;
}

/** localhost, 127.0.0.0/8, ::1, or a Unix socket path (empty host, or a folder). */
export function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '' || h.startsWith('/') || h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

export function httpTransport(key: string, url: string): Transport | null {
  if (!url) return null;
  const u = new URL(url);
  const peer = u.origin;
  const what = `${key} ${peer}`;
  if (u.protocol === 'https:' || isLocalHost(u.hostname)) return { key, peer, what, safe: true, warning: null };
  return { key, peer, what, safe: false, warning: `${what} is plain http:// to another machine: the API key and every click cross the network unencrypted. Use https://` };
}

/** libpq modes that never fall back to clear text. */
const ENCRYPTED_SSLMODES = new Set(['require', 'verify-ca', 'verify-full']);

export function postgresTransport(key: string, url: string): Transport | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null; // a libpq form WHATWG URLs do not parse (no host): a Unix socket, not a network
  }
  const sslmode = u.searchParams.get('sslmode');
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  const peer = `${host || 'local socket'}${sslmode ? ` sslmode=${sslmode}` : ''}`;
  const what = `${key} ${peer}`;
  if (isLocalHost(host) || (sslmode !== null && ENCRYPTED_SSLMODES.has(sslmode))) return { key, peer, what, safe: true, warning: null };
  const why = sslmode === null ? 'has no sslmode (libpq\'s default "prefer" falls back to clear text)' : `has sslmode=${sslmode}`;
  return { key, peer, what, safe: false, warning: `${what}: the database is on another machine and the URL ${why}: the password and every click may cross the network unencrypted. Add sslmode=verify-full (or require)` };
}

/** A NATS server list: nats:// to a remote server without TLS is clear text (tls:// or a TLS option is not). */
export function natsTransport(key: string, servers: readonly string[], tls: boolean): Transport | null {
  if (servers.length === 0) return null;
  const remotePlain = servers.filter((s) => {
    const u = new URL(s.includes('://') ? s : `nats://${s}`);
    return !tls && u.protocol !== 'tls:' && !isLocalHost(u.hostname);
  });
  const peer = servers.map((s) => s.replace(/\/\/[^@/]*@/, '//')).join(', ');
  const what = `${key} ${peer}`;
  if (remotePlain.length === 0) return { key, peer, what, safe: true, warning: null };
  return { key, peer, what, safe: false, warning: `${what}: nats:// to another machine without TLS: the credentials and every click cross the network unencrypted. Use tls:// or configure TLS` };
}
