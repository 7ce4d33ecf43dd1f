/**
 * `clickrelay audit`: one streaming pass over each outbox shard (outbox.db, outbox-1.db, …;
 * constant memory however many rows) that verifies the shard's own hash chain and, on the
 * same rows, the privacy rules, then the session keys. Every shard present is audited, a
 * shard left by an earlier, larger `server.threads` too; with several shards a finding in
 * the rows or the chain names the shard's file. The chain proves nothing was changed behind the writer's back; the row rules prove
 * the values themselves are within the policy in force, even where the chain is intact
 * (a bug, or a policy tightened since the clicks were recorded).
 */
import { MAX_KEY_AGE_HOURS } from '../keys/index.js';
import { verifyChain, type ChainReader, type ChainReport, type ChainRow, type DeliveryState, type OutboxReadOnly } from '../outbox/index.js';
import type { PrivacyPolicy } from '../privacy/index.js';
import type { StoredCheckpoint } from '../outbox/index.js';
import type { AuditCounts, AuditErasure, AuditPolicyReport, AuditReport, AuditShardReport, AuditWarning } from './report.js';
import type { AuditRule } from './rules.js';
import { checkDataFolder, checkShardFiles } from './outbox-files.js';
import { checkRow, METADATA_KEYS, type RowPolicy } from './row-checks.js';
import { checkSessionKeys } from './session-keys.js';
import { ViolationLog } from './violations.js';
import { basename } from 'node:path';
import { shardFiles } from '../outbox/index.js';
import type { WeakenedSetting } from '../notice/weakened.js';

/**
 * Retention purges and session-key deletion run hourly in `serve`: an audit between two runs
 * must not fail over what the next run removes, so a record or key is a violation only once
 * it is this much past its limit.
 */
const PURGE_GRACE_HOURS = 1;
const HOUR_MS = 3_600_000;

export interface AuditOptions {
  privacy: PrivacyPolicy;
  retentionDays: number;
  /** No main system (main_system.base_url empty): retention applies to unshipped clicks too. */
  standalone?: boolean;
  now?: Date;
  /** Violations listed per rule (all are counted). */
  maxListedPerRule?: number;
  /** Settings weaker than the defaults (weakened.ts): listed in the report; with `strict`, a failure. */
  weakened?: WeakenedSetting[];
  strict?: boolean;
  /** Told the number of rows checked so far, every PROGRESS_EVERY rows (the CLI's progress bar). */
  progress?: (rowsChecked: number) => void;
}

const PROGRESS_EVERY = 1000;

function policyReport(privacy: PrivacyPolicy, retentionDays: number): AuditPolicyReport {
  return {
    ipv4_prefix: privacy.ipv4Prefix,
    ipv6_prefix: privacy.ipv6Prefix,
    honor_dnt: privacy.honorDnt,
    honor_gpc: privacy.honorGpc,
    dnt_mode: privacy.dntMode,
    referrer: privacy.referrer,
    user_agent: privacy.userAgent,
    retention_days: retentionDays,
    session_key_max_age_hours: MAX_KEY_AGE_HOURS,
    purge_grace_hours: PURGE_GRACE_HOURS,
    metadata_keys: METADATA_KEYS,
    country: privacy.country,
    utm_term_content: privacy.utmTermContent,
    scanners: privacy.scanners.names,
  };
}

/** What the audit reads: every shard of one data folder (service/stages.ts openOutboxReaderFor), or one shard's reader. */
export type AuditSource = OutboxReadOnly | { readonly dataDir: string; readonly shards: readonly OutboxReadOnly[] };

export function runAudit(source: AuditSource, opts: AuditOptions): AuditReport {
  const now = opts.now ?? new Date();
  const dataDir = source.dataDir;
  const readers = 'shards' in source ? source.shards : [source];
  const log = new ViolationLog(opts.maxListedPerRule ?? 1000);
  const graceMs = PURGE_GRACE_HOURS * HOUR_MS;
  const rowPolicy: RowPolicy = {
    privacy: opts.privacy,
    retentionCutoff: new Date(now.getTime() - opts.retentionDays * 86_400_000 - graceMs).toISOString(),
    shippedGraceStart: new Date(now.getTime() - graceMs).toISOString(),
    standalone: opts.standalone ?? false,
  };
  const counts: AuditCounts = { total: 0, by_state: { pending: 0, shipped: 0, dead: 0 }, by_day: {}, anonymous: 0, bots: 0, humans: 0, scanners: 0 };
  const byDay = new Map<string, number>();
  let oldest: AuditReport['oldest'] = null;
  const erasures = new Map<string, AuditErasure>();
  let pendingPast: { count: number; oldest: string | null } = { count: 0, oldest: null };

  // The folder first: without it nothing was audited.
  const fileFlag = (rule: AuditRule, detail: string): void => log.add(rule, null, null, detail);
  const folder = checkDataFolder(dataDir, fileFlag);

  // Then each shard on its own: its files, its chain against its own head, its rows.
  const shards: AuditShardReport[] = [];
  for (const reader of readers) {
    // With several shards, a finding in the rows or the chain says which file it is in.
    const where = readers.length > 1 ? `${reader.file}: ` : '';
    const flag = (rule: AuditRule, clickId: string | null, seq: number | null, detail: string): void => log.add(rule, clickId, seq, `${where}${detail}`);
    const present = folder ? checkShardFiles(dataDir, reader.shard, fileFlag) : 'no-folder';
    for (const problem of present === 'present' ? reader.integrity() : []) fileFlag('outbox.damaged', `${dataDir}/${reader.file} fails SQLite's integrity check: ${problem}`);
    let rows = 0;
    let checkpoints = 0;
    let walked = false;

    // The chain walk pulls the rows; each row is checked as it passes, so the database is
    // read once, inside the one snapshot verifyChain takes.
    const walk: ChainReader = {
      *chainRows(): Generator<ChainRow> {
        for (const r of reader.rows()) {
          const c = r.columns;
          const clickId = String(c[0]);
          const { bot, kind, pendingPastRetention } = checkRow(c, r.state, r.shipped_at, rowPolicy, (rule, detail) => flag(rule, clickId, r.seq, detail));
          if (pendingPastRetention) {
            const at = String(c[2]);
            pendingPast = { count: pendingPast.count + 1, oldest: pendingPast.oldest === null || at < pendingPast.oldest ? at : pendingPast.oldest };
          }
          rows++;
          counts.total++;
          if (opts.progress && counts.total % PROGRESS_EVERY === 0) opts.progress(counts.total);
          counts.by_state[r.state as DeliveryState] = (counts.by_state[r.state as DeliveryState] ?? 0) + 1;
          if (c[9] === 1) counts.anonymous++;
          if (bot) counts.bots++;
          if (kind === 'human') counts.humans++;
          else if (kind === 'scanner') counts.scanners++;
          const at = typeof c[2] === 'string' ? c[2] : '';
          const day = /^\d{4}-\d{2}-\d{2}/.test(at) ? at.slice(0, 10) : 'invalid';
          byDay.set(day, (byDay.get(day) ?? 0) + 1);
          if (at !== '' && (oldest === null || at < oldest.clicked_at)) oldest = { click_id: clickId, seq: r.seq, clicked_at: at, state: r.state };
          yield { seq: r.seq, chain_hash: r.chain_hash, columns: c };
        }
        walked = true;
      },
      *checkpoints() {
        for (const cp of reader.checkpoints()) {
          checkpoints++;
          if (cp.reason === 'erase') noteErasure(erasures, cp);
          yield cp;
        }
      },
      head: () => reader.head(),
      snapshot: (read) => reader.snapshot(read),
    };
    let chain: ChainReport = { ok: false, rows, last_seq: 0, violations: [] };
    try {
      chain = verifyChain(walk);
    } catch (err) {
      // A damaged page stops the walk where it lies: a finding, and the rows after it unread.
      const code = String((err as { code?: unknown }).code ?? '');
      if (!code.startsWith('SQLITE_')) throw err;
      fileFlag('outbox.damaged', `reading ${reader.file} stopped after ${rows} rows (${code}: ${(err as Error).message}): the rows after that point were not checked`);
      walked = true;
    }
    if (!walked) throw new Error('internal: the chain walk stopped before the last row, so the privacy rules were not applied to every row');
    let shardHeadMissing = false;
    for (const v of chain.violations) {
      flag(v.rule, v.click_id, v.seq, v.detail);
      if (v.rule === 'chain.head_missing') shardHeadMissing = true;
    }

    let headSeq: number | null = null;
    try {
      headSeq = reader.head()?.seq ?? null;
      // verifyChain only misses it when there are no rows: an empty outbox without its head
      // (both deleted, or the wrong folder) is no proof of anything either.
      if (headSeq === null && !shardHeadMissing && present !== 'no-folder') {
        fileFlag('chain.head_missing', `${dataDir}/${basename(shardFiles(dataDir, reader.shard).head)} is missing: a cut-off or deleted outbox cannot be ruled out`);
      }
    } catch {
      headSeq = null; // reported as chain.head_missing by verifyChain
    }
    shards.push({ shard: reader.shard, file: reader.file, ok: chain.ok, rows: chain.rows, last_seq: chain.last_seq, checkpoints, head_seq: headSeq });
  }

  const sessionKeys = checkSessionKeys(dataDir, now, PURGE_GRACE_HOURS, (rule, detail) => log.add(rule, null, null, detail));
  for (const day of [...byDay.keys()].sort()) counts.by_day[day] = byDay.get(day)!;

  const weakened = opts.weakened ?? [];
  const warnings: AuditWarning[] = [];
  if (pendingPast.count > 0) {
    warnings.push({
      kind: 'pending_past_retention',
      count: pendingPast.count,
      detail: `${pendingPast.count} pending click${pendingPast.count === 1 ? ' was' : 's were'} clicked more than privacy.retention_days (${opts.retentionDays}) ago, the oldest at ${pendingPast.oldest}: kept until the main system takes them (see clickrelay status for why shipping stalls), then purged`,
    });
  }
  return {
    ok: log.total === 0 && !(opts.strict && weakened.length > 0),
    strict: opts.strict ?? false,
    weakened_settings: weakened,
    checked_at: now.toISOString(),
    data_dir: dataDir,
    policy: policyReport(opts.privacy, opts.retentionDays),
    counts,
    oldest,
    chain: chainOfShards(shards),
    shards,
    erasures: [...erasures.values()],
    warnings,
    session_keys: sessionKeys,
    violation_counts: log.countsByRule(),
    violations: log.list(),
    violations_truncated: log.truncated,
  };
}

/**
 * The chain line over every shard: one shard's own figures; several: verified only when
 * every shard's chain is, positions and heads summed (each shard's are in `shards`).
 */
function chainOfShards(shards: readonly AuditShardReport[]): AuditReport['chain'] {
  if (shards.length === 1) {
    const { ok, rows, last_seq, checkpoints, head_seq } = shards[0]!;
    return { ok, rows, last_seq, checkpoints, head_seq };
  }
  const sum = (f: (s: AuditShardReport) => number): number => shards.reduce((n, s) => n + f(s), 0);
  return {
    ok: shards.every((s) => s.ok),
    rows: sum((s) => s.rows),
    last_seq: sum((s) => s.last_seq),
    checkpoints: sum((s) => s.checkpoints),
    head_seq: shards.some((s) => s.head_seq === null) ? null : sum((s) => s.head_seq ?? 0),
  };
}

/** An erase's runs of positions share its time and note: one entry per `clickrelay erase`. */
function noteErasure(erasures: Map<string, AuditErasure>, cp: StoredCheckpoint): void {
  const key = `${cp.purged_at}\0${cp.note ?? ''}`;
  const e = erasures.get(key);
  if (e) e.count += cp.count;
  else erasures.set(key, { erased_at: cp.purged_at, count: cp.count, reason: cp.note });
}
