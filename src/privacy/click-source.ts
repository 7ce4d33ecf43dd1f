/**
 * click_source (contract, "Derived fields"): which of the guide's categories a click came
 * through. The category says "from webmail", never whose mailbox, so it is kept even for
 * anonymous (DNT/GPC) clicks.
 */
import { CLICK_SOURCES, type ClickSource } from '../types.js';

/**
 * Hosts whose referrer means "opened from a mail client". Each entry also covers its
 * subdomains. Mail links are opened from these web apps; desktop and phone clients send
 * no referrer and count as `direct`.
 */
export const WEBMAIL_HOSTS: readonly string[] = [
  'mail.google.com',
  'gmail.com',
  'outlook.live.com',
  'outlook.office.com',
  'outlook.office365.com',
  'outlook.com',
  'mail.yahoo.com',
  'mail.proton.me',
  'mail.protonmail.com',
  'mail.aol.com',
  'mail.zoho.com',
  'fastmail.com', // covers app.fastmail.com
  'icloud.com', // covers www.icloud.com, where iCloud Mail runs
];

const KNOWN_HOSTS = new Map<string, ClickSource>([
  ...WEBMAIL_HOSTS.map((host) => [host, 'email'] as const),
  ['linkedin.com', 'linkedin'],
  ['lnkd.in', 'linkedin'],
  ['indeed.com', 'indeed'],
]);

const SOURCES: ReadonlySet<string> = new Set(CLICK_SOURCES);

/**
 * Exact host or a subdomain of it, label by label, so `evil-linkedin.com` and
 * `linkedin.com.evil.io` are not LinkedIn. At most one Map lookup per label.
 */
function knownSource(host: string): ClickSource | undefined {
  for (let name = host; ; ) {
    const source = KNOWN_HOSTS.get(name);
    if (source !== undefined) return source;
    const dot = name.indexOf('.');
    if (dot < 0) return undefined;
    name = name.slice(dot + 1);
  }
}

/** Lower case without a trailing dot: `LinkedIn.com.` is the same host as `linkedin.com`. */
function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * An explicit `src` query value from the guide's list wins: the sender knows where they
 * put the link better than a referrer (often stripped) can tell. Otherwise the referrer's
 * host decides; no referrer is `direct`, an unknown one `external`. The main system's own
 * host (from main_system.base_url) is matched exactly, not with subdomains, since
 * unrelated sites often live under the same parent domain.
 */
export function deriveClickSource(
  srcParam: string | undefined,
  referrerHost: string | null,
  dashboardHost: string | null,
): ClickSource {
  return sourceFromParam(srcParam) ?? sourceFromReferrer(referrerHost, dashboardHost);
}

/** The category an explicit `src` value names, or null when it names none of the guide's. */
export function sourceFromParam(srcParam: string | undefined): ClickSource | null {
  if (srcParam === undefined) return null;
  const src = srcParam.trim().toLowerCase();
  return SOURCES.has(src) ? (src as ClickSource) : null;
}

/** The category of a click without a valid `src`: from the referrer's host. */
export function sourceFromReferrer(referrerHost: string | null, dashboardHost: string | null): ClickSource {
  if (!referrerHost) return 'direct';
  const host = normalizeHost(referrerHost);
  if (dashboardHost !== null && host === normalizeHost(dashboardHost)) return 'dashboard';
  return knownSource(host) ?? 'external';
}
