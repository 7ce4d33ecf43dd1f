/**
 * For the audit: does a stored UTM value look like an e-mail address or a phone number?
 * UTM values are the sender's free text, kept as sent unless privacy.utm_term_content says
 * otherwise, and a sender can paste a recipient's address or number into one. A heuristic,
 * tuned to stay quiet on campaign ids and dates: a phone number is a "+" and 8–15 digits, or
 * 10–15 digits broken by the separators people write numbers with; a bare run of digits is
 * not flagged (it is more often an id or a timestamp).
 */

const EMAIL = /[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[A-Za-z]{2,}/;
/** A run of digits and the separators phone numbers are written with, optionally after "+". */
const PHONE_RUN = /\+?\(?\d[\d ().\/-]{6,}\d/g;

export function looksLikePersonalData(value: string): 'an e-mail address' | 'a phone number' | null {
  if (value.includes('@') && EMAIL.test(value)) return 'an e-mail address';
  for (const run of value.match(PHONE_RUN) ?? []) {
    const digits = run.replace(/\D/g, '').length;
    if (run.startsWith('+') && digits >= 8 && digits <= 15) return 'a phone number';
    if (digits >= 10 && digits <= 15 && /[ ().\/-]/.test(run)) return 'a phone number';
  }
  return null;
}
