/**
 * Client address truncation. Only the network part of an address is kept (contract:
 * privacy.ipv4_prefix / ipv6_prefix), which still serves rough geography and abuse
 * analysis but no longer singles out a household.
 */
import ipaddr from 'ipaddr.js';
import { parseIp } from '../lib/ip-text.js';

export { formatIp, parseIp, type IpAddress } from '../lib/ip-text.js';

/** Zeroes every bit of `values` (each `width` bits wide) past the first `prefix` bits. */
function keepPrefix(values: readonly number[], width: number, prefix: number): number[] {
  const all = (1 << width) - 1;
  return values.map((value, i) => {
    const kept = Math.min(Math.max(prefix - i * width, 0), width);
    return value & ((all << (width - kept)) & all);
  });
}

/**
 * Exactly the texts parseIp accepts as IPv4 (lib/ip-text.ts's DOTTED_QUAD) (four decimal octets, no leading zeros) as a uint32,
 * else -1. The click path parses its address once with this and hands the number to the
 * scanner ranges and to truncateV4, instead of one regex with captures and one hand parse.
 */
export function dottedQuadToUint(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits === 1 && octet === 0)) return -1; // 4 digits, or a leading zero
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * Network texts by their number. Only truncated addresses are kept (what is stored anyway),
 * bounded and cleared when full. The same string object for every click of a network also
 * makes the session-id memo's lookups hash-free (session.ts).
 */
const networks = new Map<number, string>();
const NETWORKS_LIMIT = 4096;

/** truncateIp for an address already parsed by dottedQuadToUint; v4Prefix is 0–32 (checked by the caller). */
export function truncateV4(address: number, v4Prefix: number): string {
  // A shift by 32 is a shift by 0 in JS: /0 is handled by the multiplication form.
  const net = v4Prefix === 0 ? 0 : address - (address % 2 ** (32 - v4Prefix));
  let text = networks.get(net);
  if (text === undefined) {
    text = `${DECIMAL[Math.floor(net / 16777216)]}.${DECIMAL[(net >>> 16) & 255]}.${DECIMAL[(net >>> 8) & 255]}.${DECIMAL[net & 255]}`;
    if (networks.size >= NETWORKS_LIMIT) networks.clear();
    networks.set(net, text);
  }
  return text;
}

function checkPrefix(prefix: number, max: number, name: string): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${prefix}`);
  }
}

/**
 * The address with everything past the prefix zeroed, as canonical text; null when
 * `address` is not an IP (the click is then stored without one rather than with junk).
 */
export function truncateIp(address: string, v4Prefix: number, v6Prefix: number): string | null {
  checkPrefix(v4Prefix, 32, 'IPv4 prefix');
  checkPrefix(v6Prefix, 128, 'IPv6 prefix');
  if (!address.includes(':')) {
    const n = dottedQuadToUint(address);
    return n < 0 ? null : truncateV4(n, v4Prefix);
  }
  const ip = parseIp(address);
  if (ip === null) return null;
  if (ip instanceof ipaddr.IPv4) return new ipaddr.IPv4(keepPrefix(ip.octets, 8, v4Prefix)).toString();
  return new ipaddr.IPv6(keepPrefix(ip.parts, 16, v6Prefix)).toRFC5952String();
}

/**
 * For the audit: true when a stored address is not exactly what `truncateIp` would have
 * stored, i.e. it has bits past the prefix, or it is not canonical IP text (mapped IPv6,
 * a zone id, upper case, uncompressed…). truncateIp is idempotent on its own output, so
 * "would truncating change it?" answers both questions at once.
 */
export function ipHasBitsBeyond(address: string, v4Prefix: number, v6Prefix: number): boolean {
  return truncateIp(address, v4Prefix, v6Prefix) !== address;
}
