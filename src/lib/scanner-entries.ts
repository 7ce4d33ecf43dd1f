/**
 * The operator's scanner entries (privacy.scanner_ranges, _referrer_hosts, _user_agents:
 * "name=value") parsed: pure, below every stage, so the configuration checks each entry with
 * the very parsers the privacy stage compiles them with (privacy/scanner.ts).
 */
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors.js';

/** What a stored scanner name may look like (the audit holds stored values to it). */
export const SCANNER_NAME = /^[a-z0-9_-]{1,32}$/;

/** A "name=cidr" entry that does not parse: the message names the entry. */
export function parseNamedCidr(entry: string): { name: string; cidr: [ipaddr.IPv4 | ipaddr.IPv6, number] } {
  const eq = entry.indexOf('=');
  const name = eq < 0 ? '' : entry.slice(0, eq).trim();
  const cidrText = entry.slice(eq + 1).trim();
  let cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    cidr = ipaddr.parseCIDR(cidrText);
  } catch {
    throw new Error(`"${entry}" is not name=CIDR (e.g. "mimecast=205.139.110.0/24")`);
  }
  if (name === '') throw new Error(`"${entry}" has no name before "=" (e.g. "mimecast=205.139.110.0/24")`);
  return { name, cidr };
}

/** A privacy.scanner_ranges entry: its name and CIDR, or a ConfigError naming the entry. */
export function parseScannerRange(entry: string): ReturnType<typeof parseNamedCidr> {
  let parsed: ReturnType<typeof parseNamedCidr>;
  try {
    parsed = parseNamedCidr(entry);
  } catch (err) {
    throw new ConfigError(`privacy.scanner_ranges entry ${(err as Error).message}`);
  }
  if (!SCANNER_NAME.test(parsed.name)) throw new ConfigError(`privacy.scanner_ranges entry "${entry}": the name must be a-z, 0-9, - or _`);
  return parsed;
}

/** A "name=value" entry of privacy.scanner_referrer_hosts or _user_agents, value lower-cased. */
export function splitScannerEntry(key: 'scanner_referrer_hosts' | 'scanner_user_agents', entry: string): [string, string] {
  const eq = entry.indexOf('=');
  const name = eq < 0 ? '' : entry.slice(0, eq).trim();
  const value = entry.slice(eq + 1).trim().toLowerCase();
  if (!SCANNER_NAME.test(name) || value === '') {
    throw new ConfigError(`privacy.${key} entry "${entry}" is not name=value with a name of a-z, 0-9, - or _ (e.g. "mygateway=scanner.example.net")`);
  }
  return [name, value];
}
