/**
 * Do Not Track (`DNT: 1`) and Global Privacy Control (`Sec-GPC: 1`). A click carrying an
 * honoured signal is "anonymous": counted without personal fields, or not recorded at
 * all (privacy.dnt_mode).
 */

export interface SignalPolicy {
  readonly honorDnt: boolean;
  readonly honorGpc: boolean;
}

/**
 * Only the value "1" (surrounding whitespace allowed) is a signal. DNT: 0 is an explicit
 * "tracking is fine", and GPC defines no other value; treating junk as consent-to-track
 * or as opt-out would both be guessing, so anything else is "no signal".
 *
 * A value may be a comma-joined list: repeated header lines mean the same as one line
 * joining their values (RFC 9110, 5.3), and the redirect stage joins them that way
 * (`DNT: 0` then `DNT: 1` arrives here as "0,1"). The person opted out if any element is
 * "1": a browser or extension adding its own line must not be overruled by an earlier one.
 */
export function isOne(value: string | undefined): boolean {
  if (value === '1') return true; // nearly every signal: one line, exactly "1"
  if (value === undefined || value.length < 2) return false;
  if (!value.includes(',')) return value.trim() === '1';
  for (const part of value.split(',')) if (part.trim() === '1') return true;
  return false;
}

/**
 * Whether the first line's value leaves room for a later line to say "1": it is there but
 * is not exactly "1". The redirect stage then reads every line (a walk over all headers,
 * so not for every request).
 */
export function needsEveryLine(firstValue: string): boolean {
  return firstValue !== '' && firstValue !== '1';
}

export function isAnonymousRequest(dnt: string | undefined, gpc: string | undefined, policy: SignalPolicy): boolean {
  return (policy.honorDnt && isOne(dnt)) || (policy.honorGpc && isOne(gpc));
}
