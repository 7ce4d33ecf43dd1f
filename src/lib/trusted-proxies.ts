/**
 * server.trust_proxy parsed: pure, below every stage, because the configuration validates the
 * key with the very parser the privacy stage builds its matcher from (privacy/client-ip.ts),
 * so an entry one accepts the other cannot refuse.
 */
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors.js';
import { parseIp } from './ip-text.js';

/** server.trust_proxy, parsed once at start-up so the per-request check is arithmetic. */
export interface TrustedProxies {
  readonly v4: readonly (readonly [ipaddr.IPv4, number])[];
  readonly v6: readonly (readonly [ipaddr.IPv6, number])[];
  /** v4.length + v6.length; 0 is the common case and costs nothing per request. */
  readonly size: number;
}

/**
 * Parses CIDRs (`10.0.0.0/8`, `2001:db8::/32`; a bare address means that one host).
 * An IPv4-mapped IPv6 range becomes the IPv4 range it covers, because parseIp unwraps
 * mapped peers to IPv4 too. Throws a ConfigError naming the first bad entry (the loader's
 * check is looser: it accepts an IPv4-mapped range shorter than /96, which has no IPv4 range).
 */
export function parseTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  const v4: [ipaddr.IPv4, number][] = [];
  const v6: [ipaddr.IPv6, number][] = [];
  for (const cidr of cidrs) {
    const [addressText = '', prefixText, extra] = cidr.trim().split('/');
    const ip = parseIp(addressText);
    const mapped = ip instanceof ipaddr.IPv4 && addressText.includes(':');
    const written = mapped || ip instanceof ipaddr.IPv6 ? 128 : 32;
    const prefix = prefixText === undefined ? written : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    const bits = mapped ? prefix - 96 : prefix;
    if (ip === null || extra !== undefined || !(bits >= 0 && prefix <= written)) {
      throw new ConfigError(`server.trust_proxy entry "${cidr}" is not an IP address or CIDR (expected e.g. 10.0.0.0/8 or 2001:db8::/32)`);
    }
    if (ip instanceof ipaddr.IPv4) v4.push([ip, bits]);
    else v6.push([ip, bits]);
  }
  return { v4, v6, size: v4.length + v6.length };
}

/** Ranges shorter than this trust whole continents (or everyone, at /0). */
const BROAD_BELOW_BITS = 8;

/**
 * The server.trust_proxy entries so wide that ordinary clients stand behind them ("0.0.0.0/0",
 * "::/0", any prefix shorter than /8): every such client can forge its address with
 * X-Forwarded-For, for the rate limit, the stored (truncated) address and the scanner ranges.
 * Accepted (a lab may want it), but warned about at start and in `status`.
 */
export function tooBroadProxies(cidrs: readonly string[]): string[] {
  const p = parseTrustedProxies(cidrs);
  const broad = (ip: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string => `${ip.toString()}/${bits}`;
  return [...p.v4.filter(([, bits]) => bits < BROAD_BELOW_BITS).map(([ip, bits]) => broad(ip, bits)), ...p.v6.filter(([, bits]) => bits < BROAD_BELOW_BITS).map(([ip, bits]) => broad(ip, bits))];
}

/** The warning's words, one for the log line and `status`. */
export function describeBroadProxies(ranges: readonly string[]): string {
  return `server.trust_proxy trusts ${ranges.join(', ')}: every client in it can forge its address with X-Forwarded-For (rate limit, stored address, scanner ranges); list only your proxies' addresses`;
}
