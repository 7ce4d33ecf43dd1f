/**
 * metadata.scanner: which e-mail security gateway (Safe Links, Mimecast, Proofpoint,
 * Barracuda, or an operator's own entry) fetched the link instead of a person. Computed
 * from the raw request before anything is truncated — the full client address, the
 * Referer's host, the User-Agent — and kept as one name; the evidence itself is not stored.
 * The lists are scanner-data.ts plus the operator's privacy.scanner_* entries, compiled
 * once per policy: on the hot path an address costs a binary search, a referrer and a user
 * agent a memo hit (anonymize.ts, bot.ts).
 */
import { parseScannerRange, splitScannerEntry } from '../lib/scanner-entries.js';
import { compileCidrMatcher, type CidrMatcher } from './cidr-matcher.js';
import { dottedQuadToUint } from './ip.js';
import { memoizeString } from './memo.js';
import { BUILTIN_SCANNERS, SCANNER_RANGES, SCANNER_REFERRER_HOSTS, SCANNER_USER_AGENT_TOKENS } from './scanner-data.js';

export { SCANNER_NAME } from '../lib/scanner-entries.js';

export interface ScannerRules {
  readonly ranges: CidrMatcher;
  /** Host (and its subdomains) → scanner name. */
  readonly referrerHosts: ReadonlyMap<string, string>;
  /** Lower-case user-agent tokens → scanner name. */
  readonly userAgentTokens: readonly (readonly [string, string])[];
  /** Every name these rules can produce. */
  readonly names: readonly string[];
  /** The scanner a user agent names, or null (memoized per UA string). */
  userAgent(ua: string): string | null;
}

/** The operator's additions, each entry "name=value" (privacy.scanner_ranges, _referrer_hosts, _user_agents). */
export interface ScannerExtras {
  readonly ranges?: readonly string[];
  readonly referrerHosts?: readonly string[];
  readonly userAgents?: readonly string[];
}

/** Throws an Error naming the config key and entry when an operator entry does not parse. */
export function compileScannerRules(extras: ScannerExtras = {}): ScannerRules {
  const names = new Set<string>(BUILTIN_SCANNERS);
  const ranges: { name: string; cidr: string }[] = [];
  for (const name of BUILTIN_SCANNERS) for (const cidr of SCANNER_RANGES[name]) ranges.push({ name, cidr });
  for (const entry of extras.ranges ?? []) {
    const parsed = parseScannerRange(entry);
    ranges.push({ name: parsed.name, cidr: `${parsed.cidr[0].toString()}/${parsed.cidr[1]}` });
    names.add(parsed.name);
  }

  const referrerHosts = new Map<string, string>();
  for (const name of BUILTIN_SCANNERS) for (const host of SCANNER_REFERRER_HOSTS[name]) referrerHosts.set(host, name);
  for (const entry of extras.referrerHosts ?? []) {
    const [name, host] = splitScannerEntry('scanner_referrer_hosts', entry);
    referrerHosts.set(host.endsWith('.') ? host.slice(0, -1) : host, name);
    names.add(name);
  }

  const userAgentTokens: [string, string][] = [];
  for (const name of BUILTIN_SCANNERS) for (const token of SCANNER_USER_AGENT_TOKENS[name]) userAgentTokens.push([token, name]);
  for (const entry of extras.userAgents ?? []) {
    const [name, token] = splitScannerEntry('scanner_user_agents', entry);
    userAgentTokens.push([token, name]);
    names.add(name);
  }

  const userAgent = memoizeString((ua: string): string | null => {
    const lower = ua.toLowerCase();
    for (const [token, name] of userAgentTokens) if (lower.includes(token)) return name;
    return null;
  });
  return Object.freeze({ ranges: compileCidrMatcher(ranges), referrerHosts, userAgentTokens, names: [...names], userAgent });
}

/** The scanner a referrer host belongs to (exact host or a subdomain, label by label), or null. */
export function scannerOfReferrerHost(host: string | null, rules: ScannerRules): string | null {
  if (!host) return null;
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  for (;;) {
    const scanner = rules.referrerHosts.get(name);
    if (scanner !== undefined) return scanner;
    const dot = name.indexOf('.');
    if (dot < 0) return null;
    name = name.slice(dot + 1);
  }
}

/**
 * The gateway that made this request, or null. The address decides first (the strongest
 * evidence: Safe Links' user agent looks like a browser), then the referrer's host (already
 * classified, from the referrer memo), then the user agent.
 */
export function classifyScanner(
  clientIp: string,
  referrerScanner: string | null,
  userAgent: string | undefined,
  rules: ScannerRules,
  /** clientIp as dottedQuadToUint parsed it, when the caller already has it (-1: not dotted IPv4). */
  v4: number = dottedQuadToUint(clientIp),
): string | null {
  const byAddress = v4 >= 0 ? rules.ranges.matchV4(v4) : rules.ranges.match(clientIp);
  return byAddress ?? referrerScanner ?? (userAgent ? rules.userAgent(userAgent) : null);
}
