#!/usr/bin/env node
/**
 * Rebuilds src/privacy/scanner-data.generated.ts from the vendors' publications saved under
 * data/scanner-sources/, so that updating the scanner evidence is: save the new copy of a
 * vendor's page, JSON or SPF record there, run `npm run scanner-ranges`, and review the diff of
 * both files. Nothing is typed by hand into the generated module, and nothing here reaches the
 * network: the copies are the record of what was published and when.
 *
 * Deterministic: the same copies give the same bytes (vendors in a fixed order, each list in
 * its publication's order, duplicates within a vendor dropped, no timestamps of its own).
 * test/unit/privacy/scanner-sources.test.ts runs it into a temp file and compares.
 *
 * Formats (see the copies themselves):
 *   <vendor>.json  Microsoft's endpoints web service answer, cut to the endpoint sets used,
 *                  with "_source" naming the URL and retrieval date.
 *   <vendor>.txt   first line "# source: <url or record>, retrieved YYYY-MM-DD", then lines
 *                  "range <region> <CIDR>", "referrer <host>", "ua <token>"; "#" comments.
 * A copy without its source and date, a CIDR that is not a network address, or an unknown
 * line fails the run rather than producing a module nobody can trace.
 *
 * Usage: node scripts/scanner-ranges.mjs [--out <file>] [--sources <dir>]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES_DIR = join(ROOT, 'data', 'scanner-sources');
const OUTPUT = join(ROOT, 'src', 'privacy', 'scanner-data.generated.ts');

/** Scanner name (as stored in metadata.scanner) → its saved copy, in the order they are emitted. */
const VENDORS = [
  ['safelinks', 'microsoft.json'],
  ['mimecast', 'mimecast.txt'],
  ['proofpoint', 'proofpoint.txt'],
  ['barracuda', 'barracuda.txt'],
];

const RETRIEVED = /retrieved (\d{4}-\d{2}-\d{2})/;
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const REGION = /^[a-z0-9-]{1,16}$/;

function fail(file, message) {
  throw new Error(`data/scanner-sources/${file}: ${message}`);
}

/** The CIDR in canonical text; refuses host bits (a typo would silently widen or move a range). */
function canonicalCidr(file, text) {
  let addr, bits;
  try {
    [addr, bits] = ipaddr.parseCIDR(text);
  } catch {
    fail(file, `"${text}" is not a CIDR range`);
  }
  const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  const canonical = `${addr.kind() === 'ipv6' ? addr.toRFC5952String() : addr.toString()}/${bits}`;
  const networkText = addr.kind() === 'ipv6' ? network.toRFC5952String() : network.toString();
  if (networkText !== canonical.split('/')[0]) fail(file, `"${text}" has host bits set (network address ${networkText}/${bits})`);
  return canonical;
}

function sourceLine(file, text) {
  const date = RETRIEVED.exec(text)?.[1];
  if (!date) fail(file, 'its source does not say "retrieved YYYY-MM-DD"');
  if (text.includes('*/')) fail(file, 'its source line contains "*/"');
  return text;
}

/** Microsoft's endpoints JSON: the ranges of every endpoint set kept in the copy, region "exchange-online". */
function readMicrosoft(dir, file) {
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  if (typeof doc._source !== 'string') fail(file, 'has no "_source"');
  const notes = [sourceLine(file, doc._source)];
  if (typeof doc._published === 'string') notes.push(`published ${doc._published}`);
  const ranges = [];
  for (const set of doc.endpointSets ?? []) {
    for (const ip of set.ips ?? []) ranges.push({ region: 'exchange-online', cidr: canonicalCidr(file, ip), note: `endpoint set ${set.id}` });
  }
  return {
    notes,
    ranges,
    referrerHosts: (doc.referrerHosts?.hosts ?? []).map((h) => host(file, h)),
    userAgentTokens: (doc.userAgentTokens?.tokens ?? []).map((t) => token(file, t)),
  };
}

function host(file, h) {
  const lower = String(h).toLowerCase();
  if (!HOST.test(lower)) fail(file, `"${h}" is not a host name`);
  return lower;
}

function token(file, t) {
  const lower = String(t).toLowerCase();
  if (!/^[\x21-\x7e]+$/.test(lower) || /['\\]/.test(lower)) fail(file, `user-agent token "${t}" is not one printable word without quotes`);
  return lower;
}

/** A text copy: "# source: …, retrieved …" first, then range/referrer/ua lines. */
function readText(dir, file) {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('# source: ')) fail(file, 'the first line must be "# source: <url>, retrieved YYYY-MM-DD"');
  const notes = [sourceLine(file, first.slice('# source: '.length))];
  const out = { notes, ranges: [], referrerHosts: [], userAgentTokens: [] };
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    const [kind, ...rest] = text.split(/\s+/);
    if (kind === 'range' && rest.length === 2 && REGION.test(rest[0])) out.ranges.push({ region: rest[0], cidr: canonicalCidr(file, rest[1]) });
    else if (kind === 'referrer' && rest.length === 1) out.referrerHosts.push(host(file, rest[0]));
    else if (kind === 'ua' && rest.length === 1) out.userAgentTokens.push(token(file, rest[0]));
    else fail(file, `line ${i + 1} is not "range <region> <CIDR>", "referrer <host>" or "ua <token>": ${text}`);
  });
  return out;
}

const unique = (xs) => [...new Set(xs)];
const q = (s) => `'${s}'`;

/** The generated module's text. */
export function generate(dir = SOURCES_DIR) {
  const vendors = VENDORS.map(([name, file]) => ({ name, file, ...(file.endsWith('.json') ? readMicrosoft(dir, file) : readText(dir, file)) }));
  const out = [];
  out.push('/**');
  out.push(' * GENERATED by scripts/scanner-ranges.mjs from data/scanner-sources/ — do not edit by hand:');
  out.push(' * save the vendor\'s new publication there and run `npm run scanner-ranges` (scanner-data.ts');
  out.push(' * explains what the evidence is worth). Per scanner: where its lists come from, and when.');
  for (const v of vendors) {
    out.push(' *');
    out.push(` * ${v.name} (data/scanner-sources/${v.file}):`);
    for (const n of v.notes) out.push(` *   ${n}`);
  }
  out.push(' */');
  out.push('');
  out.push('/** Egress ranges per scanner, per region as the vendor publishes them (each list in its publication\'s order). */');
  out.push('export const SCANNER_RANGES_BY_REGION = {');
  for (const v of vendors) {
    out.push(`  ${v.name}: {`);
    const seen = new Set();
    for (const region of unique(v.ranges.map((r) => r.region))) {
      // A range a vendor lists twice (two regions, two pages) is matched once: under its first region.
      const cidrs = v.ranges.filter((r) => r.region === region && !seen.has(r.cidr)).map((r) => r.cidr);
      for (const c of cidrs) seen.add(c);
      if (cidrs.length > 0) out.push(`    ${/^[a-z_][a-z0-9_]*$/.test(region) ? region : q(region)}: [${cidrs.map(q).join(', ')}],`);
    }
    out.push('  },');
  }
  out.push('} as const;');
  out.push('');
  out.push('/** Hosts of the gateways\' rewriting and sandbox pages; each covers its subdomains. */');
  out.push('export const SCANNER_REFERRER_HOSTS = {');
  for (const v of vendors) out.push(`  ${v.name}: [${unique(v.referrerHosts).map(q).join(', ')}],`);
  out.push('} as const;');
  out.push('');
  out.push('/** Lower-case tokens the products put in their own user agents (plain substrings). */');
  out.push('export const SCANNER_USER_AGENT_TOKENS = {');
  for (const v of vendors) out.push(`  ${v.name}: [${unique(v.userAgentTokens).map(q).join(', ')}],`);
  out.push('} as const;');
  out.push('');
  return out.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? resolve(process.argv[at + 1] ?? '') : null;
  };
  const target = arg('--out') ?? OUTPUT;
  writeFileSync(target, generate(arg('--sources') ?? SOURCES_DIR));
  console.log(`wrote ${relative(process.cwd(), target) || target}`);
}
