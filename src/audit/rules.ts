/**
 * The audit's rule names. They are part of the external contract (`clickrelay audit --json`
 * is read by scripts, and reviewers quote them): add freely, never rename.
 */
import type { ChainRule } from '../outbox/index.js';

/** Rules checked on the stored values of each click, independently of the chain. */
export type RowRule =
  | 'ip_prefix'
  | 'anonymous_personal_data'
  | 'referrer_form'
  | 'user_agent_form'
  | 'metadata_keys'
  | 'metadata_values'
  | 'click_source'
  | 'retention'
  | 'country_off'
  | 'geo_precision'
  | 'utm_term_content'
  | 'utm_personal_data';

/** Rules checked on the data folder besides the outbox rows. */
export type FileRule = 'session_key_age' | 'session_key_mode';

/** Rules on the outbox files themselves, reported first: without an outbox nothing else was checked. */
export type OutboxFileRule = 'outbox.missing' | 'outbox.damaged' | 'outbox.file_mode';

export type AuditRule = OutboxFileRule | RowRule | ChainRule | FileRule;

/** One line per rule, in the order the report lists them: what a violation of it means. */
export const RULE_TEXT: Record<AuditRule, string> = {
  'outbox.missing': 'there is no outbox (or no data folder) where the configuration points: nothing could be audited',
  'outbox.damaged': 'outbox.db or its WAL is damaged, or damaged files were set aside: clicks were lost or could not be read',
  'outbox.file_mode': 'outbox.db, its WAL or the data folder can be read by other users (must be 0600, the folder 0700)',
  ip_prefix: 'an IP address keeps bits past the configured prefix (or is not an address the truncation could have produced)',
  anonymous_personal_data: 'an anonymous (DNT/GPC) click carries an IP address, user agent, referrer or session id',
  referrer_form: 'a referrer holds more than privacy.referrer allows',
  user_agent_form: 'a user agent is not in the form privacy.user_agent allows',
  metadata_keys: 'metadata holds a key off the allow-list (utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot, scanner, country)',
  metadata_values: 'metadata is not a JSON object of short, clean UTM text values, bot: true and a known scanner name',
  click_source: "click_source is not one of the guide's categories",
  retention: 'a shipped click or a dead letter (in standalone mode: any click) is kept past privacy.retention_days',
  country_off: 'a country is stored although privacy.country = "off"',
  geo_precision: 'a location finer than a country is stored (a city, region, coordinates, or a country value that is not a two-letter ISO 3166-1 code)',
  utm_term_content: 'utm_term / utm_content is stored in a form privacy.utm_term_content does not allow (kept while "drop", or not hashed while "hash")',
  utm_personal_data: 'a UTM value looks like an e-mail address or a phone number (stored by an older clickrelay, which kept what a sender put in the link, or by hand; this one stores a marker instead): erase the click with `clickrelay erase --id ID --reason TEXT`',
  'chain.edited': "a row's columns no longer give its chain hash: it was edited",
  'chain.deleted': 'positions are missing and no purge checkpoint covers them: rows were deleted',
  'chain.inserted': 'a row is not part of the chain: it was inserted',
  'chain.reordered': 'a row moved away from where it was chained',
  'chain.tail_cut': 'the database ends before, or differs at, the chain head kept in outbox.head',
  'chain.head_missing': 'outbox.head is missing or unreadable, so a cut-off tail cannot be ruled out',
  'chain.checkpoint': 'a purge checkpoint cannot be right',
  session_key_age: 'a session key older than 48 h still exists in <data_dir>/session-keys',
  session_key_mode: '<data_dir>/session-keys can be read or written by others than its owner (must be 0600)',
};

export const RULE_ORDER = Object.keys(RULE_TEXT) as AuditRule[];
