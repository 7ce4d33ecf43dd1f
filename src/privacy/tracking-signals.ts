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
 */
function isOne(value: string | undefined): boolean {
  return value === '1' || (value !== undefined && value.length > 1 && value.trim() === '1');
}

export function isAnonymousRequest(dnt: string | undefined, gpc: string | undefined, policy: SignalPolicy): boolean {
  return (policy.honorDnt && isOne(dnt)) || (policy.honorGpc && isOne(gpc));
}
