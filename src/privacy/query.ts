/**
 * Query allow-list. A tracking URL's query can carry anything a sender pasted — e-mail
 * addresses, tokens, names — so only the five standard UTM keys and `src` (which feeds
 * click_source) are ever read; everything else is dropped here and never leaves this
 * function.
 */
import { UTM_KEYS, type UtmKey } from '../types.js';
import { cleanText } from './text.js';

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
      if (cleaned !== null) result.utm[utmKey] = cleaned;
    } else if (key === 'src' && result.src === undefined) {
      const cleaned = cleanText(value, MAX_UTM_VALUE_LENGTH);
      if (cleaned !== null) result.src = cleaned;
    }
  }
  return result;
}
