/**
 * Who is the client? The socket peer, unless the peer is one of our own reverse proxies
 * (server.trust_proxy), in which case that proxy's X-Forwarded-For / X-Real-IP is
 * believed. Anyone can send those headers, so from an untrusted peer they are ignored;
 * otherwise a client could pick the address we store and rate-limit by.
 */
import ipaddr from 'ipaddr.js';
import type { TrustedProxies } from '../lib/trusted-proxies.js';
import { formatIp, parseIp, type IpAddress } from './ip.js';

export { parseTrustedProxies, type TrustedProxies } from '../lib/trusted-proxies.js';

export interface ForwardingHeaders {
  /** Every X-Forwarded-For field line joined with ", " (RFC 9110 §5.3: lines of one name are one list). */
  xForwardedFor?: string | undefined;
  xRealIp?: string | undefined;
  /**
   * How many X-Real-IP lines came. It names one address; with two, one was added by someone
   * other than our proxy (which replaces the header), and nobody can tell which: ignored.
   */
  xRealIpLines?: number | undefined;
}

function isTrusted(ip: IpAddress, trusted: TrustedProxies): boolean {
  if (ip instanceof ipaddr.IPv4) {
    for (const [net, bits] of trusted.v4) if (ip.match(net, bits)) return true;
  } else {
    for (const [net, bits] of trusted.v6) if (ip.match(net, bits)) return true;
  }
  return false;
}

/**
 * One X-Forwarded-For / X-Real-IP entry. Some proxies append a port (`1.2.3.4:5678`,
 * `[2001:db8::1]:443`); the port is not part of who the client is, so it is dropped.
 * Anything else that is not a plain address (`unknown`, a hostname, an obfuscated
 * identifier from RFC 7239 habits) is malformed.
 */
function parseForwardedEntry(raw: string): IpAddress | null {
  const entry = raw.trim();
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    const rest = entry.slice(close + 1);
    if (close < 0 || !(rest === '' || /^:\d{1,5}$/.test(rest))) return null;
    return parseIp(entry.slice(1, close));
  }
  const colon = entry.indexOf(':');
  if (colon > 0 && entry.indexOf(':', colon + 1) < 0 && /^:\d{1,5}$/.test(entry.slice(colon))) {
    return parseIp(entry.slice(0, colon));
  }
  return parseIp(entry);
}

/** Canonical text of a socket address as uWebSockets.js prints it (long-form or mapped IPv6). */
function normalizeSocketIp(socketIp: string): string {
  if (!socketIp.includes(':')) return socketIp; // dotted IPv4 is already canonical
  const ip = parseIp(socketIp);
  return ip === null ? socketIp : formatIp(ip);
}

/**
 * The client address as canonical IP text (not yet truncated: the privacy rules do that).
 * If even the socket address does not parse it is returned unchanged, and truncateIp
 * will then store no address at all.
 *
 * With a trusted peer, X-Forwarded-For is walked right to left, because each proxy
 * appends the address it saw: the rightmost entry that is not one of our proxies is the
 * first hop we did not operate, i.e. the client. Entries to its left were written by the
 * client itself and prove nothing. A malformed entry stops the walk and the last address
 * we could vouch for (the peer, or the last trusted hop) is used: everything left of a
 * broken entry is unverifiable, and guessing past it would let a client smuggle in an
 * address. If every entry is trusted, the leftmost one is the client.
 * X-Real-IP is used only when there is no X-Forwarded-For (a proxy sets one or the other),
 * and only when it came as one line.
 *
 * `headers` may be a function: it is then called only for a trusted peer, because reading
 * every line of a request is what costs (see redirect/header-scan.ts).
 */
export function resolveClientIp(socketIp: string, headers: ForwardingHeaders | (() => ForwardingHeaders), trusted: TrustedProxies): string {
  if (trusted.size === 0) return normalizeSocketIp(socketIp);
  const peer = parseIp(socketIp);
  if (peer === null) return socketIp;
  if (!isTrusted(peer, trusted)) return formatIp(peer);
  return formatIp(clientBehind(peer, typeof headers === 'function' ? headers() : headers, trusted));
}

function clientBehind(peer: IpAddress, headers: ForwardingHeaders, trusted: TrustedProxies): IpAddress {
  const xff = headers.xForwardedFor;
  if (xff !== undefined && xff.trim() !== '') {
    let client = peer;
    let end = xff.length;
    while (end >= 0 && isTrusted(client, trusted)) {
      const start = end === 0 ? -1 : xff.lastIndexOf(',', end - 1);
      const hop = parseForwardedEntry(xff.slice(start + 1, end));
      if (hop === null) break;
      client = hop;
      end = start;
    }
    return client;
  }

  if ((headers.xRealIpLines ?? 1) > 1) return peer;
  const realIp = headers.xRealIp ? parseForwardedEntry(headers.xRealIp) : null;
  return realIp ?? peer;
}
