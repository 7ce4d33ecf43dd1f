/**
 * Personal data in a UTM value: the one detector the privacy stage (which never stores such a
 * value, query.ts) and the audit (which flags one found stored, utm_personal_data) both use, so
 * what is stored and what the audit accepts cannot drift apart. UTM values are the sender's
 * free text, and a sender can paste a recipient's address or number into one by mistake.
 *
 * A heuristic, tuned to stay quiet on campaign ids and dates: a phone number is a "+" and
 * 8–15 digits, or 10–15 digits broken by the separators people write numbers with; a bare run
 * of digits is not flagged (it is more often an id or a timestamp).
 */

const EMAIL = /[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[A-Za-z]{2,}/;
/** A run of digits and the separators phone numbers are written with, optionally after "+". */
const PHONE_RUN = /\+?\(?\d[\d ().\/-]{6,}\d/g;

export type PersonalDataKind = 'email' | 'phone';

/** What is stored instead of a value that looks like personal data: fixed, so nothing of it is kept. */
export const PERSONAL_DATA_MARKER: Readonly<Record<PersonalDataKind, string>> = Object.freeze({
  email: '[redacted:email]',
  phone: '[redacted:phone]',
});

/** Which kind of personal data `value` looks like, or null. */
export function personalDataKind(value: string): PersonalDataKind | null {
  if (value.includes('@') && EMAIL.test(value)) return 'email';
  for (const run of value.match(PHONE_RUN) ?? []) {
    const digits = run.replace(/\D/g, '').length;
    if (run.startsWith('+') && digits >= 8 && digits <= 15) return 'phone';
    if (digits >= 10 && digits <= 15 && /[ ().\/-]/.test(run)) return 'phone';
  }
  return null;
}

/** The audit's wording of a kind. */
export function describePersonalData(kind: PersonalDataKind): string {
  return kind === 'email' ? 'an e-mail address' : 'a phone number';
}

const MARKERS: ReadonlySet<string> = new Set(Object.values(PERSONAL_DATA_MARKER));

/** A marker the privacy stage wrote: stored as is under every privacy.utm_term_content (hashing it would hide nothing). */
export function isPersonalDataMarker(value: string): boolean {
  return MARKERS.has(value);
}
