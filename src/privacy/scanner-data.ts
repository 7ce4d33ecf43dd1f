/**
 * The evidence that an e-mail security gateway, not a person, fetched a tracked link
 * (metadata.scanner). Shipped as data so an operator can compare it with the vendors' pages
 * and extend it without a release (privacy.scanner_ranges, privacy.scanner_referrer_hosts,
 * privacy.scanner_user_agents, each entry "name=value").
 *
 * WHERE EACH LIST COMES FROM, AND ITS DATE. Written 2026-12-04 from the vendors' published
 * lists as they stood when last checked by the author (this machine has no network, so they
 * could not be re-fetched while writing); every range below was on the page named beside it.
 * Vendors add ranges more often than they remove them: when updating, compare with the page,
 * add what is new through the config keys, and date the change here.
 *
 * What the evidence is worth:
 * - Address ranges are the strong evidence: a gateway fetches from its own egress
 *   addresses, and Microsoft's Safe Links sends a stale but browser-shaped user agent
 *   (Windows NT 6.1, Chrome/57) that no user-agent list can tell from a person. The full
 *   client address is matched here and then discarded as always; only the name is stored.
 * - A Referer naming a gateway's rewriting host is sent only by the gateway's own fetch or
 *   its sandbox/warning page: a person following a rewritten link is redirected by HTTP,
 *   and a browser keeps the original Referer (or none) across a redirect.
 * - User-agent tokens: only tokens the products put in their own user agents.
 */

export type ScannerName = 'safelinks' | 'mimecast' | 'proofpoint' | 'barracuda';

/** Built-in scanner names; operator entries may add others (lower-case letters, digits, - and _). */
export const BUILTIN_SCANNERS: readonly ScannerName[] = ['safelinks', 'mimecast', 'proofpoint', 'barracuda'];

/** Egress address ranges, per gateway. */
export const SCANNER_RANGES: Readonly<Record<ScannerName, readonly string[]>> = {
  // Microsoft 365 / Exchange Online Protection, which runs Safe Links time-of-click and
  // pre-delivery scanning. Source: "Microsoft 365 URLs and IP address ranges", Exchange
  // Online, endpoint set IDs 9 and 10 (https://learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges),
  // the same set as the SPF record spf.protection.outlook.com. As published 2024–2025.
  safelinks: [
    '40.92.0.0/15',
    '40.107.0.0/16',
    '52.100.0.0/14',
    '104.47.0.0/17',
    '2a01:111:f400::/48',
    '2a01:111:f403::/48',
  ],
  // Mimecast data-centre ranges for its URL Protect and gateway services. Source: Mimecast
  // Community, "Data Centers and URLs" (per region: US, UK, EU/DE, ZA, AU), as published 2024.
  mimecast: [
    '205.139.110.0/24', // US
    '207.211.30.0/24', // US
    '207.211.31.0/25', // US
    '170.10.128.0/24', // US
    '170.10.129.0/24', // US
    '170.10.133.0/24', // US
    '195.130.217.0/24', // UK
    '91.220.42.0/24', // UK
    '146.101.78.0/24', // UK
    '185.58.84.0/22', // UK
    '51.163.158.0/23', // DE
    '62.140.7.0/24', // DE
    '41.74.192.0/21', // ZA
    '103.13.68.0/23', // AU
    '180.189.28.0/24', // AU
    '124.47.150.0/24', // AU
    '124.47.189.0/24', // AU
  ],
  // Proofpoint Protection Server / Essentials cloud (URL Defense fetches from the same
  // clusters). Source: Proofpoint Essentials "IP addresses to allow" and the pphosted.com
  // SPF ranges, as published 2024.
  proofpoint: [
    '67.231.144.0/20',
    '148.163.128.0/19',
    '185.132.180.0/22',
    '208.84.65.0/24',
    '208.84.66.0/24',
    '208.86.202.0/24',
    '208.86.203.0/24',
  ],
  // Barracuda Email Security Service (and its Link Protection). Source: Barracuda Campus,
  // "Email Gateway Defense IP Ranges" (per region: US, CA, UK, DE, AU), as published 2024.
  barracuda: [
    '209.222.80.0/21', // US
    '64.235.144.0/20', // US (legacy)
    '15.222.16.128/26', // CA
    '35.176.92.96/27', // UK
    '35.157.190.224/27', // DE
    '3.24.133.128/25', // AU
  ],
};

/**
 * Hosts of the gateways' rewriting and sandbox pages; each covers its subdomains
 * (nam12.safelinks.protection.outlook.com, protect-eu.mimecast.com…). Source: the rewritten
 * links as they appear in delivered mail, documented on the same vendor pages.
 */
export const SCANNER_REFERRER_HOSTS: Readonly<Record<ScannerName, readonly string[]>> = {
  safelinks: ['safelinks.protection.outlook.com'],
  mimecast: ['protect-us.mimecast.com', 'protect-eu.mimecast.com', 'protect-de.mimecast.com', 'protect-au.mimecast.com', 'protect-za.mimecast.com', 'mimecastprotect.com'],
  proofpoint: ['urldefense.proofpoint.com', 'urldefense.com', 'urldefense.us'],
  barracuda: ['linkprotect.cudasvc.com'],
};

/**
 * Case-insensitive tokens in the products' own user agents. Plain substrings, never regular
 * expressions: an operator entry cannot make matching slow. Safe Links has none (see above).
 */
export const SCANNER_USER_AGENT_TOKENS: Readonly<Record<ScannerName, readonly string[]>> = {
  safelinks: [],
  mimecast: ['mimecast'],
  proofpoint: ['proofpoint', 'urldefense'],
  barracuda: ['barracuda'],
};
