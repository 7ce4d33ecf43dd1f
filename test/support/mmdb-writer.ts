/**
 * A small MaxMind DB writer for tests, following the format's specification
 * (https://maxmind.github.io/MaxMind-DB/): a binary search tree of 24-bit records, 16 zero
 * bytes, the data section, then "\xAB\xCD\xEFMaxMind.com" and the metadata map. There is no
 * well-kept MMDB writer on npm (MaxMind's own are Perl and Go), and a real file built here is
 * what the country database is tested on: the tests read it back with the `maxmind` package.
 *
 * Small on purpose: 24-bit records only (up to ~16 million nodes plus data offsets, far more
 * than a test needs), no data de-duplication beyond identical JSON, no pointers inside data.
 * IPv4 networks in an IPv6 tree go under ::/96, where readers look IPv4 addresses up.
 */
import ipaddr from 'ipaddr.js';

export type MmdbValue = string | number | bigint | boolean | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbSpec {
  /** metadata database_type, e.g. "GeoLite2-Country", "DBIP-Country-Lite", "country ipvAll". */
  databaseType: string;
  ipVersion: 4 | 6;
  /** metadata build_epoch. */
  builtAt: Date;
  /** CIDR → record; wider networks may hold narrower ones (the narrower wins). */
  networks: readonly (readonly [string, MmdbValue])[];
  languages?: readonly string[];
  description?: Readonly<Record<string, string>>;
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);

// Data field types of the specification.
const T = { string: 2, double: 3, uint16: 5, uint32: 6, map: 7, uint64: 9, array: 11, boolean: 14 } as const;

/** The control byte(s) for a type and payload size (specification, "Data Section"). */
function control(type: number, size: number): Buffer {
  const sizeBytes: number[] = [];
  let sizeField = size;
  if (size >= 65821) {
    sizeField = 31;
    const rest = size - 65821;
    sizeBytes.push((rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff);
  } else if (size >= 285) {
    sizeField = 30;
    const rest = size - 285;
    sizeBytes.push((rest >> 8) & 0xff, rest & 0xff);
  } else if (size >= 29) {
    sizeField = 29;
    sizeBytes.push(size - 29);
  }
  // Types above 7 are "extended": type bits 0, then a byte holding type - 7.
  const head = type <= 7 ? [(type << 5) | sizeField] : [sizeField, type - 7];
  return Buffer.from([...head, ...sizeBytes]);
}

function unsigned(type: number, value: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([control(T.string, text.length), text]);
  }
  if (typeof value === 'boolean') return control(T.boolean, value ? 1 : 0);
  if (typeof value === 'bigint') return unsigned(T.uint64, value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return unsigned(T.uint32, BigInt(value));
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return Buffer.concat([control(T.double, 8), b]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(T.array, value.length), ...value.map(encodeValue)]);
  const entries = Object.entries(value as Record<string, MmdbValue>);
  return Buffer.concat([control(T.map, entries.length), ...entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)])]);
}

interface TrieNode {
  children: [Child, Child];
}
type Child = TrieNode | { data: number } | null;

const isNode = (c: Child): c is TrieNode => c !== null && 'children' in c;

/** The network's bits (most significant first) in a tree of the given IP version. */
function networkBits(cidr: string, ipVersion: 4 | 6): boolean[] {
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  let bytes = addr.toByteArray();
  let bits = prefix;
  if (addr.kind() === 'ipv4' && ipVersion === 6) {
    bytes = [...new Array<number>(12).fill(0), ...bytes];
    bits += 96;
  } else if (addr.kind() === 'ipv6' && ipVersion === 4) {
    throw new Error(`${cidr}: an IPv6 network in an IPv4 database`);
  }
  return Array.from({ length: bits }, (_, i) => ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1);
}

/** The database file's bytes. */
export function writeMmdb(spec: MmdbSpec): Buffer {
  // Data section: one encoded record per distinct value, by offset.
  const dataParts: Buffer[] = [];
  const offsets = new Map<string, number>();
  let dataSize = 0;
  const dataOffset = (value: MmdbValue): number => {
    const key = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    let at = offsets.get(key);
    if (at === undefined) {
      const encoded = encodeValue(value);
      at = dataSize;
      dataParts.push(encoded);
      dataSize += encoded.length;
      offsets.set(key, at);
    }
    return at;
  };

  // The tree: wider networks first, so a narrower one splits the wider one's leaf.
  const root: TrieNode = { children: [null, null] };
  const sorted = [...spec.networks].map(([cidr, value]) => ({ bits: networkBits(cidr, spec.ipVersion), value })).sort((a, b) => a.bits.length - b.bits.length);
  for (const { bits, value } of sorted) {
    if (bits.length === 0) throw new Error('a network of prefix 0 cannot be stored (the root is a node)');
    const leaf = { data: dataOffset(value) };
    let node = root;
    for (let i = 0; i < bits.length - 1; i++) {
      const side = bits[i] ? 1 : 0;
      const child = node.children[side];
      if (!isNode(child)) node.children[side] = { children: [child, child] }; // push an enclosing leaf down
      node = node.children[side] as TrieNode;
    }
    node.children[bits[bits.length - 1] ? 1 : 0] = leaf;
  }

  // Number the nodes breadth-first (root = 0), then write 24-bit records.
  const order: TrieNode[] = [root];
  for (let i = 0; i < order.length; i++) for (const c of order[i]!.children) if (isNode(c)) order.push(c);
  const index = new Map(order.map((n, i) => [n, i]));
  const nodeCount = order.length;
  const record = (c: Child): number => (c === null ? nodeCount : isNode(c) ? index.get(c)! : nodeCount + 16 + c.data);
  const tree = Buffer.alloc(nodeCount * 6);
  order.forEach((n, i) => {
    tree.writeUIntBE(record(n.children[0]), i * 6, 3);
    tree.writeUIntBE(record(n.children[1]), i * 6 + 3, 3);
  });
  if (nodeCount + 16 + dataSize >= 2 ** 24) throw new Error('too large for 24-bit records');

  // The metadata map, with the integer types the specification names for each key.
  const metadata = Buffer.concat([
    control(T.map, 9),
    ...(
      [
        ['binary_format_major_version', unsigned(T.uint16, 2n)],
        ['binary_format_minor_version', unsigned(T.uint16, 0n)],
        ['build_epoch', unsigned(T.uint64, BigInt(Math.floor(spec.builtAt.getTime() / 1000)))],
        ['database_type', encodeValue(spec.databaseType)],
        ['description', encodeValue(spec.description ?? {})],
        ['ip_version', unsigned(T.uint16, BigInt(spec.ipVersion))],
        ['languages', encodeValue(spec.languages ?? [])],
        ['node_count', unsigned(T.uint32, BigInt(nodeCount))],
        ['record_size', unsigned(T.uint16, 24n)],
      ] as const
    ).flatMap(([k, v]) => [encodeValue(k), v]),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...dataParts, METADATA_MARKER, metadata]);
}

/**
 * A DB-IP-shaped country file (DBIP-Country-Lite, IPv4 and IPv6) that says `code` for
 * 81.2.69.0/24: what the country tests start with and rename over each other.
 */
export function dbipCountryFile(code: string, builtAt: Date): Buffer {
  return writeMmdb({ databaseType: 'DBIP-Country-Lite', ipVersion: 6, builtAt, networks: [['81.2.69.0/24', { country: { iso_code: code } }]] });
}
