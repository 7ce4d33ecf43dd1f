/**
 * The shape of `clickrelay audit --json`, stable for scripts (add keys freely; never rename
 * or retype one):
 *
 * {
 *   "ok": boolean,                      // false when any violation was found (exit status 1), or with --strict any weakened setting
 *   "strict": boolean,                  // --strict: settings weaker than the defaults fail the audit
 *   "weakened_settings": [ { "key", "value", "default", "effect" } ],   // src/notice/weakened.ts
 *   "checked_at": "ISO 8601 UTC",
 *   "data_dir": "/var/lib/clickrelay",
 *   "policy": {                         // the configuration the values were checked against
 *     "ipv4_prefix": 24, "ipv6_prefix": 48, "honor_dnt": true, "honor_gpc": true,
 *     "dnt_mode": "count"|"drop", "referrer": "origin"|"full"|"none",
 *     "user_agent": "reduced"|"full"|"none", "retention_days": 30,
 *     "session_key_max_age_hours": 48,
 *     "purge_grace_hours": 1,            // the service purges hourly; see audit.ts
 *     "metadata_keys": ["utm_source", …, "bot"]
 *   },
 *   "counts": {
 *     "total": n,
 *     "by_state": { "pending": n, "shipped": n, "dead": n },
 *     "by_day": { "YYYY-MM-DD": n, … },  // UTC day of clicked_at, oldest first
 *     "anonymous": n,                    // DNT/GPC clicks
 *     "bots": n,                         // metadata.bot = true (crawler or no User-Agent)
 *     "humans": n, "scanners": n         // neither flag / metadata.scanner set
 *   },
 *   "oldest": { "click_id", "seq", "clicked_at", "state" } | null,
 *   "chain": { "ok": boolean, "rows": n, "last_seq": n, "checkpoints": n, "head_seq": n|null },
 *                                      // over every shard: ok only if each verifies; with several shards the figures are sums
 *   "shards": [ { "shard": 0, "file": "outbox.db", "ok", "rows", "last_seq", "checkpoints", "head_seq" } ],
 *                                      // each outbox shard's own chain (outbox.db, outbox-1.db, …), shard ascending
 *   "erasures": [ { "erased_at": "ISO", "count": n, "reason": string|null } ],  // `clickrelay erase`, one per run of it
 *   "warnings": [ { "kind": "pending_past_retention", "count": n, "detail" } ],  // said, not failed on
 *   "session_keys": { "oldest_age_hours": number|null, "mode": "600"|null },
 *   "violation_counts": { "<rule>": n, … },   // every violation, counted
 *   "violations": [ { "rule", "click_id": string|null, "seq": number|null, "detail" } ],
 *   "violations_truncated": boolean    // true when some rule had more than --limit listed
 * }
 *
 * Rules (src/audit/rules.ts): outbox.missing, outbox.damaged, outbox.file_mode, ip_prefix, anonymous_personal_data, referrer_form,
 * user_agent_form, metadata_keys, metadata_values, click_source, retention, chain.edited,
 * chain.deleted, chain.inserted, chain.reordered, chain.tail_cut, chain.head_missing,
 * chain.checkpoint, session_key_age, session_key_mode, country_off, geo_precision,
 * utm_term_content, utm_personal_data.
 */
import type { DeliveryState } from '../outbox/index.js';
import type { AuditRule } from './rules.js';
import type { SessionKeyFindings } from './session-keys.js';
import type { AuditViolation } from './violations.js';
import type { WeakenedSetting } from '../notice/weakened.js';

export interface AuditPolicyReport {
  ipv4_prefix: number;
  ipv6_prefix: number;
  honor_dnt: boolean;
  honor_gpc: boolean;
  dnt_mode: 'count' | 'drop';
  referrer: 'origin' | 'full' | 'none';
  user_agent: 'reduced' | 'full' | 'none';
  retention_days: number;
  session_key_max_age_hours: number;
  purge_grace_hours: number;
  metadata_keys: readonly string[];
  country: 'off' | 'country';
  utm_term_content: 'keep' | 'drop' | 'hash';
  scanners: readonly string[];
}

export interface AuditCounts {
  total: number;
  by_state: Record<DeliveryState, number>;
  by_day: Record<string, number>;
  anonymous: number;
  /** metadata.bot = true (a crawler, or no User-Agent), scanners included. */
  bots: number;
  /** Neither a bot nor a scanner. */
  humans: number;
  /** metadata.scanner set: an e-mail security gateway. */
  scanners: number;
}

/** One outbox shard's chain, verified on its own. */
export interface AuditShardReport {
  shard: number;
  /** outbox.db, outbox-1.db, … */
  file: string;
  ok: boolean;
  rows: number;
  last_seq: number;
  checkpoints: number;
  head_seq: number | null;
}

/** One `clickrelay erase`: when, how many clicks, and the reviewer's reason. */
export interface AuditErasure {
  erased_at: string;
  count: number;
  reason: string | null;
}

/** Something the reviewer should know that is not a violation (the audit still passes). */
export interface AuditWarning {
  kind: 'pending_past_retention';
  count: number;
  detail: string;
}

export interface AuditReport {
  ok: boolean;
  strict: boolean;
  weakened_settings: WeakenedSetting[];
  checked_at: string;
  data_dir: string;
  policy: AuditPolicyReport;
  counts: AuditCounts;
  oldest: { click_id: string; seq: number; clicked_at: string; state: DeliveryState } | null;
  chain: { ok: boolean; rows: number; last_seq: number; checkpoints: number; head_seq: number | null };
  shards: AuditShardReport[];
  erasures: AuditErasure[];
  warnings: AuditWarning[];
  session_keys: SessionKeyFindings;
  violation_counts: Partial<Record<AuditRule, number>>;
  violations: AuditViolation[];
  violations_truncated: boolean;
}
