/**
 * CSV fields for the export (RFC 4180: fields holding a comma, quote, CR or LF are quoted,
 * quotes doubled, records end in CRLF), made safe to open in a spreadsheet. Stored values
 * came from request headers and query strings, so a referrer or UTM value can be crafted:
 * a cell starting with = + - @ (or TAB / CR, which some spreadsheets skip before looking
 * for those) is read as a formula — `=HYPERLINK(...)` exfiltrates, `=cmd|...` executes.
 * Such a value gets a leading apostrophe, the OWASP "CSV injection" mitigation: the cell
 * then shows as text. A value that itself starts with an apostrophe gets one too, so the
 * export stays lossless: a reader strips exactly one leading apostrophe, if there is one.
 */

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | null): string {
  if (value === null || value === '') return '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i] ?? null);
  return `${line}\r\n`;
}
