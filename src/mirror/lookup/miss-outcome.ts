/** What became of one miss lookup: the metric label and the hook's argument. */
export type MissOutcome =
  | 'hit' // found and added to the mirror (an inactive one answers null)
  | 'not_found' // main system said 404; remembered
  | 'cached_unknown' // answered from the negative cache, no request
  | 'shared' // joined a lookup already in flight for the same id
  | 'saturated' // too many lookups in flight; shed without asking
  | 'shed_global_rate' // the token bucket for all clients is empty; shed without asking
  | 'shed_client_rate' // this client prefix's token bucket is empty; shed without asking
  | 'invalid' // main system answered a link that fails validation; remembered as unknown
  | 'timeout'
  | 'auth_error' // 401/403: the key is wrong; the operator hears it from the sync too
  | 'error' // other HTTP status, network, bad JSON
  | 'disabled' // no main system, or sync.miss_lookup = false
  | 'malformed_id';
