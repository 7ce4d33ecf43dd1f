/**
 * Which named CIDR range holds an address: built once at start-up, asked on every click.
 *
 * Ranges become integer intervals ([first, last] as a uint32 for IPv4, a bigint for IPv6),
 * sorted by first address. CIDR blocks are either nested or disjoint, never partly
 * overlapping, so each interval also records the nearest interval enclosing it; a lookup is
 * a binary search for the last interval starting at or before the address, then a walk up
 * that chain of enclosing blocks (as deep as the ranges nest: one or two steps in practice).
 * The most specific range wins. For the ~90 shipped ranges that is 7 comparisons, with no
 * allocation for IPv4: the address is parsed from its dotted text by hand.
 */
import ipaddr from 'ipaddr.js';
import { dottedQuadToUint } from './ip.js';

interface Interval<K> {
  first: K;
  last: K;
  name: string;
  /** Index of the nearest enclosing interval, or -1. */
  parent: number;
}

export interface CidrMatcher {
  /** The name of the most specific range holding `ip` (canonical IP text), or null. */
  match(ip: string): string | null;
  /** match() for an IPv4 address already parsed to a uint32 (ip.ts dottedQuadToUint). */
  matchV4(address: number): string | null;
  readonly size: number;
}

function bigintOfParts(parts: readonly number[]): bigint {
  let v = 0n;
  for (const p of parts) v = (v << 16n) | BigInt(p);
  return v;
}

function build<K extends number | bigint>(items: { first: K; last: K; name: string; bits: number }[]): Interval<K>[] {
  // Wider blocks first among equal starts, so a block's enclosing block precedes it.
  items.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.bits - b.bits));
  const out: Interval<K>[] = [];
  const stack: number[] = [];
  for (const it of items) {
    while (stack.length > 0 && out[stack[stack.length - 1]!]!.last < it.first) stack.pop();
    out.push({ first: it.first, last: it.last, name: it.name, parent: stack.length > 0 ? stack[stack.length - 1]! : -1 });
    stack.push(out.length - 1);
  }
  return out;
}

function find<K extends number | bigint>(list: readonly Interval<K>[], key: K): string | null {
  let lo = 0;
  let hi = list.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.first <= key) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (at >= 0) {
    const iv = list[at]!;
    if (key <= iv.last) return iv.name;
    at = iv.parent;
  }
  return null;
}

/**
 * find() specialised for IPv4, over typed arrays: the generic version sees numbers and
 * bigints at the same comparison sites, which V8 cannot keep monomorphic (several times slower
 * per lookup than this one).
 */
interface V4Table {
  first: Float64Array;
  last: Float64Array;
  parent: Int32Array;
  names: string[];
}

function v4Table(list: readonly Interval<number>[]): V4Table {
  return {
    first: Float64Array.from(list, (i) => i.first),
    last: Float64Array.from(list, (i) => i.last),
    parent: Int32Array.from(list, (i) => i.parent),
    names: list.map((i) => i.name),
  };
}

function find4(t: V4Table, key: number): string | null {
  const first = t.first;
  let lo = 0;
  let hi = first.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (first[mid]! <= key) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (at >= 0) {
    if (key <= t.last[at]!) return t.names[at]!;
    at = t.parent[at]!;
  }
  return null;
}

export function compileCidrMatcher(entries: readonly { name: string; cidr: string }[]): CidrMatcher {
  const v4: { first: number; last: number; name: string; bits: number }[] = [];
  const v6: { first: bigint; last: bigint; name: string; bits: number }[] = [];
  for (const e of entries) {
    const [addr, bits] = ipaddr.parseCIDR(e.cidr);
    if (addr instanceof ipaddr.IPv4) {
      const base = ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`).toByteArray();
      const first = ((base[0]! << 24) >>> 0) + (base[1]! << 16) + (base[2]! << 8) + base[3]!;
      v4.push({ first, last: first + 2 ** (32 - bits) - 1, name: e.name, bits });
    } else {
      const first = bigintOfParts(ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`).parts);
      v6.push({ first, last: first + (1n << BigInt(128 - bits)) - 1n, name: e.name, bits });
    }
  }
  const list4 = v4Table(build(v4));
  const list6 = build(v6);
  return {
    size: list4.names.length + list6.length,
    matchV4: (address: number): string | null => (list4.names.length === 0 ? null : find4(list4, address)),
    match(ip: string): string | null {
      if (!ip.includes(':')) {
        const n = dottedQuadToUint(ip);
        return n < 0 || list4.names.length === 0 ? null : find4(list4, n);
      }
      try {
        const parsed = ipaddr.IPv6.parse(ip);
        if (parsed.isIPv4MappedAddress()) {
          const n = dottedQuadToUint(parsed.toIPv4Address().toString());
          return n < 0 || list4.names.length === 0 ? null : find4(list4, n);
        }
        return list6.length === 0 ? null : find(list6, bigintOfParts(parsed.parts));
      } catch {
        return null;
      }
    },
  };
}
