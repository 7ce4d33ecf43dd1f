/**
 * Text hygiene shared by the rules that keep caller-supplied strings (UTM values, a full
 * user agent). Control characters are dropped because stored values end up in CSV
 * exports, terminals and dashboards, where they can forge lines or colour codes. Format
 * characters (Unicode category Cf: U+202E RIGHT-TO-LEFT OVERRIDE, zero-width spaces and
 * joiners, U+FEFF…) go too: they are invisible, so a reviewer reading an export cannot see
 * that "moc.elpmaxe@…" is displayed reversed or that two equal-looking values differ.
 */

const HAS_CONTROL_CHAR = /[\p{Cc}\p{Cf}]/u;
const CONTROL_CHARS = /[\p{Cc}\p{Cf}]/gu;

/** Removes C0/C1 control characters (including CR, LF, TAB, DEL) and format characters (Cf). */
export function stripControlChars(text: string): string {
  // The test is cheaper than replace and almost every value is clean.
  return HAS_CONTROL_CHAR.test(text) ? text.replace(CONTROL_CHARS, '') : text;
}

/**
 * Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair: a lone
 * surrogate is not valid Unicode and would be mangled by the JSON/UTF-8 round trips the
 * outbox and the shipper do.
 */
export function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * Control characters stripped, whitespace trimmed, length capped; null when nothing is left.
 * Trimmed again after the cap: a cut can end inside a run of spaces, and what is stored must be
 * its own clean form (the audit re-cleans a stored value and flags any that changes).
 */
export function cleanText(text: string, max: number): string | null {
  const cleaned = capLength(stripControlChars(text).trim(), max).trimEnd();
  return cleaned === '' ? null : cleaned;
}
