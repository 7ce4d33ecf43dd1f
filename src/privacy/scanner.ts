/**
 * metadata.scanner: which e-mail security gateway (Safe Links, Mimecast, Proofpoint,
 * Barracuda, or an operator's own entry) fetched the link instead of a person. Computed
 * from the raw request before anything is truncated — the full client address, the
 * User-Agent, and the Referer's host — and kept as one name; the evidence itself is not stored.
 * The lists are scanner-data.ts plus the operator's privacy.scanner_* entries, compiled
 * once per policy: on the hot path an address costs a binary search, a referrer and a user
 * agent a memo hit (anonymize.ts, bot.ts).
 *
 * The rule: the address or the user agent decides. A gateway's Referer alone does not, since
 * a person continuing from the gateway's warning page or through browser isolation sends it
 * too; such a click is a person's, and its verdict says "referrer_only" so the service can
 * count how often that happens.
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
  /** One frozen verdict per name and kind of evidence, so classifying allocates nothing. */
  readonly verdicts: { readonly address: ReadonlyMap<string, ScannerVerdict>; readonly userAgent: ReadonlyMap<string, ScannerVerdict> };
}

/**
 * What made a click a scanner's: its address, its user agent; or "referrer_only" when only a
 * gateway's Referer pointed to one, which leaves the click a person's (scanner null).
 */
export type ScannerEvidence = 'address' | 'user_agent' | 'referrer_only';

/** The classification of one request: the stored name (or null) and the evidence behind it (null: none at all). */
export interface ScannerVerdict {
  readonly scanner: string | null;
  readonly evidence: ScannerEvidence | null;
}

const PERSON: ScannerVerdict = Object.freeze({ scanner: null, evidence: null });
const REFERRER_ONLY: ScannerVerdict = Object.freeze({ scanner: null, evidence: 'referrer_only' });

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
  const verdictsOf = (evidence: ScannerEvidence) => new Map([...names].map((scanner) => [scanner, Object.freeze({ scanner, evidence })]));
  const verdicts = Object.freeze({ address: verdictsOf('address'), userAgent: verdictsOf('user_agent') });
  return Object.freeze({ ranges: compileCidrMatcher(ranges), referrerHosts, userAgentTokens, names: [...names], userAgent, verdicts });
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
 * The gateway that made this request, and why (see the rule above). The address decides
 * first (the strongest evidence: Safe Links' user agent looks like a browser), then the user
 * agent; the referrer's host (already classified, from the referrer memo) only tells a person
 * who came through a gateway's page apart from one who did not.
 */
export function classifyScannerVerdict(
  clientIp: string,
  referrerScanner: string | null,
  userAgent: string | undefined,
  rules: ScannerRules,
  /** clientIp as dottedQuadToUint parsed it, when the caller already has it (-1: not dotted IPv4). */
  v4: number = dottedQuadToUint(clientIp),
): ScannerVerdict {
  const byAddress = v4 >= 0 ? rules.ranges.matchV4(v4) : rules.ranges.match(clientIp);
  if (byAddress !== null) return rules.verdicts.address.get(byAddress)!;
  const byAgent = userAgent ? rules.userAgent(userAgent) : null;
  if (byAgent !== null) return rules.verdicts.userAgent.get(byAgent)!;
  return referrerScanner === null ? PERSON : REFERRER_ONLY;
}

/** classifyScannerVerdict's name alone: the gateway that made this request, or null. */
export function classifyScanner(
  clientIp: string,
  referrerScanner: string | null,
  userAgent: string | undefined,
  rules: ScannerRules,
  v4: number = dottedQuadToUint(clientIp),
): string | null {
  return classifyScannerVerdict(clientIp, referrerScanner, userAgent, rules, v4).scanner;
}
