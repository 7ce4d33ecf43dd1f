/**
 * `nats.url` read into the client's server list: one or several comma-separated `nats://`
 * or `tls://` URLs, host and port only. Credentials inside a URL are refused — they belong
 * in `nats.credentials_file`, where nothing prints them — and so is a list that mixes
 * plain and TLS servers (the client takes one TLS setting for all). Pure; in lib/ because the
 * configuration loader checks nats.url with it, as the sink reads it.
 */
import { ConfigError } from '../errors.js';

export interface NatsServers {
  /** host:port URLs as the client takes them. */
  servers: string[];
  tls: boolean;
  /** Safe to show: the list as given, normalised. */
  where: string;
}

export function parseServers(url: string): NatsServers {
  const parts = url.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new ConfigError('nats.url is empty: set one or several comma-separated nats:// or tls:// servers');
  const schemes = new Set<string>();
  const servers = parts.map((p) => {
    let u: URL;
    try {
      u = new URL(p);
    } catch {
      throw new ConfigError(`nats.url: "${p.replace(/\/\/[^@/]*@/, '//[redacted]@')}" is not a URL (nats://host:port or tls://host:port)`);
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:') throw new ConfigError(`nats.url: ${u.protocol}// is not a NATS scheme (nats:// or tls://)`);
    if (u.username !== '' || u.password !== '') throw new ConfigError('nats.url carries credentials: put them in nats.credentials_file (a .creds file, a token or user:password) instead');
    if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') throw new ConfigError(`nats.url: "${p}" has a path or query; a server is scheme://host:port`);
    schemes.add(u.protocol);
    return `${u.protocol}//${u.hostname}:${u.port || '4222'}`;
  });
  if (schemes.size > 1) throw new ConfigError('nats.url mixes nats:// and tls:// servers: use one scheme for all');
  const tls = schemes.has('tls:');
  return { servers: servers.map((s) => s.replace(/^(nats|tls):\/\//, '')), tls, where: servers.join(',') };
}
