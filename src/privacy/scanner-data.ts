/**
 * The evidence that an e-mail security gateway, not a person, fetched a tracked link
 * (metadata.scanner). The lists themselves are scanner-data.generated.ts, rebuilt by
 * `npm run scanner-ranges` from the vendors' publications saved in data/scanner-sources/
 * (each copy names its source and retrieval date; an update is a reviewable diff of the copy
 * and of the generated module, never hand-editing). An operator extends them without a
 * release through privacy.scanner_ranges, privacy.scanner_referrer_hosts and
 * privacy.scanner_user_agents, each entry "name=value".
 *
 * What the evidence is worth:
 * - Address ranges are the strong evidence: a gateway fetches from its own egress
 *   addresses, and Microsoft's Safe Links sends a stale but browser-shaped user agent
 *   (Windows NT 6.1, Chrome/57) that no user-agent list can tell from a person. The full
 *   client address is matched here and then discarded as always; only the name is stored.
 * - User-agent tokens: only tokens the products put in their own user agents.
 * - A Referer naming a gateway's rewriting or warning host is NOT evidence on its own: a
 *   person who clicks "continue" on the gateway's warning or awareness page, or whose click
 *   passes through browser isolation, arrives with that Referer too. It counts only beside
 *   an address or user agent that also points to a scanner (scanner.ts); alone, the click
 *   is a person's and the classification says "referrer_only" so the service can count it.
 * - What none of it catches: a gateway detonating links from general cloud addresses
 *   (Azure, AWS, GCP) with a browser's user agent looks like a person, and a vendor's new
 *   range is missed until its publication is saved here again.
 */
import { SCANNER_RANGES_BY_REGION, SCANNER_REFERRER_HOSTS as REFERRER_HOSTS, SCANNER_USER_AGENT_TOKENS as USER_AGENT_TOKENS } from './scanner-data.generated.js';

export type ScannerName = 'safelinks' | 'mimecast' | 'proofpoint' | 'barracuda';

/** Built-in scanner names; operator entries may add others (lower-case letters, digits, - and _). */
export const BUILTIN_SCANNERS: readonly ScannerName[] = ['safelinks', 'mimecast', 'proofpoint', 'barracuda'];

/** Egress ranges per gateway and region, as the vendors publish them. */
export const SCANNER_REGIONS: Readonly<Record<ScannerName, Readonly<Record<string, readonly string[]>>>> = SCANNER_RANGES_BY_REGION;

/** Egress address ranges, per gateway (all its regions). */
const allRegions = (name: ScannerName): readonly string[] => Object.values(SCANNER_REGIONS[name]).flat();
export const SCANNER_RANGES: Readonly<Record<ScannerName, readonly string[]>> = {
  safelinks: allRegions('safelinks'),
  mimecast: allRegions('mimecast'),
  proofpoint: allRegions('proofpoint'),
  barracuda: allRegions('barracuda'),
};

/**
 * Hosts of the gateways' rewriting and sandbox pages; each covers its subdomains
 * (nam12.safelinks.protection.outlook.com, protect-eu.mimecast.com…).
 */
export const SCANNER_REFERRER_HOSTS: Readonly<Record<ScannerName, readonly string[]>> = REFERRER_HOSTS;

/**
 * Case-insensitive tokens in the products' own user agents. Plain substrings, never regular
 * expressions: an operator entry cannot make matching slow. Safe Links has none (see above).
 */
export const SCANNER_USER_AGENT_TOKENS: Readonly<Record<ScannerName, readonly string[]>> = USER_AGENT_TOKENS;
