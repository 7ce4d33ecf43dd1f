/**
 * Bot flag (metadata.bot). Crawlers and link-preview fetchers (Slack, LinkedIn, mail
 * scanners) "click" links nobody clicked; the flag lets analytics leave them out without
 * storing the UA that revealed them. Detection is the maintained `isbot` pattern list.
 */
import { isbot } from 'isbot';
import { memoizeString } from './memo.js';

// isbot runs one large regex (~1.6 µs); UAs repeat, so a Map hit is far cheaper.
const isBotMemo = memoizeString(isbot);

/**
 * A request without a User-Agent (or an empty one) is a bot: every browser sends one, while
 * scripts, scanners and some gateways' pre-fetchers send none, and isbot cannot see what is
 * not there.
 */
export function isBot(userAgent: string | undefined | null): boolean {
  return userAgent ? isBotMemo(userAgent) : true;
}
