/**
 * User-agent reduction (privacy.user_agent). A full UA string is one of the strongest
 * fingerprinting inputs (exact versions, device models, plug-ins); the reduced form keeps
 * what analytics needs — browser family with major version, OS family — and nothing that
 * narrows the crowd further. Parsing is ua-parser-js 1.x (MIT), not home-made regexes.
 */
import UAParser from 'ua-parser-js';
import { memoizeString } from './memo.js';
import { cleanText } from './text.js';

export type UserAgentMode = 'reduced' | 'full' | 'none';

export const MAX_FULL_USER_AGENT_LENGTH = 512;
const MAX_NAME_LENGTH = 32;
const UNKNOWN = 'Other';

// Some ua-parser-js rules capture the product name from the UA text itself, so a name is
// attacker-controlled. Keep it to a plain charset and a short length: the reduced form
// must never become a side channel for arbitrary text. No "." either, so a full version
// ("120.0.6099.71") can never hide in a name.
function cleanName(name: string | undefined): string {
  const cleaned = (name ?? '')
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
    .trim();
  return cleaned === '' ? UNKNOWN : cleaned;
}

function reduce(raw: string): string {
  const { browser, os } = new UAParser(raw).getResult();
  const major = browser.major !== undefined && /^\d{1,6}$/.test(browser.major) ? ` ${browser.major}` : '';
  // The OS version is left out on purpose: OS family is enough to tell desktop from
  // mobile, while "Windows 10 / Android 14 / iOS 17.2" adds identifying detail.
  return `${cleanName(browser.name)}${major}; ${cleanName(os.name)}`;
}

// Parsing costs ~15 µs and real traffic repeats a few hundred UA strings, so remember
// them (bounded, see memo.ts).
const reduceMemo = memoizeString(reduce);

/** The user agent as privacy.user_agent allows it to be stored; null for none/absent. */
export function reduceUserAgent(raw: string | undefined, mode: UserAgentMode): string | null {
  if (!raw || mode === 'none') return null;
  if (mode === 'reduced') return reduceMemo(raw);
  // `full` is still cleaned: control characters could forge lines in exports and logs.
  return cleanText(raw, MAX_FULL_USER_AGENT_LENGTH);
}

// Exactly the shape `reduce` produces: "<name>[ <major>]; <name>".
const NAME = '[A-Za-z0-9_-](?:[A-Za-z0-9 _-]{0,30}[A-Za-z0-9_-])?';
const REDUCED_SHAPE = new RegExp(`^${NAME}(?: \\d{1,6})?; ${NAME}$`);

/** For the audit: true when `stored` is NULL or has exactly the reduced shape. */
export function userAgentIsReduced(stored: string | null): boolean {
  return stored === null || REDUCED_SHAPE.test(stored);
}
