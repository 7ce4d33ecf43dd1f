/**
 * The opt-out pages `serve` serves (/privacy/opt-out, /privacy/opt-in). They say which country
 * database is in use and give its licence's attribution, so they are rendered from the
 * database in use: once at start, and once more at each replacement the main thread accepts
 * (country.ts), never per request. Rendered here, on the main thread only: serving threads
 * k ≥ 1 get the text with the database it names (serving-protocol.ts `country`) and never load
 * the notice.
 */
import type { Settings } from '../config/settings.js';
import { buildPrivacyNotice, optOutPages } from '../notice/index.js';
import type { OptOutPages, OptOutPagesHolder } from '../notice/opt-out-cookie.js';
import type { CountryInUse, CountryService } from './country.js';

/** The pages served now on this thread; `current` is replaced whole at a country database replacement. */
export function servedOptOutPages(s: Settings, country: CountryService | null): Readonly<OptOutPagesHolder> {
  const render = (db: CountryInUse | undefined): OptOutPages => optOutPages(buildPrivacyNotice(s, new Date(), db));
  const pages: OptOutPagesHolder = { current: render(country?.inUse()) };
  country?.onReplaced((now) => {
    pages.current = render(now);
  });
  return pages;
}
