/**
 * Query allow-list. A tracking URL's query can carry anything a sender pasted — e-mail
 * addresses, tokens, names — so only the five standard UTM keys and `src` (which feeds
 * click_source) are ever read; everything else is dropped here and never leaves this
 * function. A UTM value that looks like an e-mail address or a phone number is replaced by a
 * fixed marker here, whatever privacy.utm_term_content says (personal-data.ts).
 */
import { UTM_KEYS, type UtmKey } from '../types.js';
import { PERSONAL_DATA_MARKER, personalDataKind } from './personal-data.js';
import { cleanText, stripControlChars } from './text.js';

export const MAX_UTM_VALUE_LENGTH = 200;

export interface ExtractedQuery {
  utm: Partial<Record<UtmKey, string>>;
  src?: string;
}

const UTM_KEY_SET: ReadonlySet<string> = new Set(UTM_KEYS);

/**
 * `rawQuery` with or without the leading "?". Values are control-stripped, trimmed and
 * capped; a value empty after that is treated as absent, and for a repeated key the first
 * non-empty value counts (a template that leaves `utm_source=` blank and a later
 * `utm_source=x` should still yield "x").
 */
export function extractQuery(rawQuery: string): ExtractedQuery {
  const result: ExtractedQuery = { utm: {} };
  if (rawQuery === '' || rawQuery === '?') return result;
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (UTM_KEY_SET.has(key)) {
      const utmKey = key as UtmKey;
      if (result.utm[utmKey] !== undefined) continue;
      const cleaned = cleanText(value, MAX_UTM_VALUE_LENGTH);
      if (cleaned !== null) result.utm[utmKey] = withoutPersonalData(value, cleaned);
    } else if (key === 'src' && result.src === undefined) {
      const cleaned = cleanText(value, MAX_UTM_VALUE_LENGTH);
      if (cleaned !== null) result.src = cleaned;
    }
  }
  return result;
}

/**
 * The marker instead of `cleaned` when the value looks like personal data. The value is
 * checked before the length cap too: an address cut at the cap no longer looks like one, yet
 * most of it would be stored.
 */
function withoutPersonalData(raw: string, cleaned: string): string {
  const kind = personalDataKind(cleaned) ?? personalDataKind(stripControlChars(raw));
  return kind === null ? cleaned : PERSONAL_DATA_MARKER[kind];
}
