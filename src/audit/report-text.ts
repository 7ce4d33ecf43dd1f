/**
 * The human audit report: what a reviewer reads top to bottom. Violations are grouped by
 * rule with a plain-language line saying what the rule protects, listing at most `perRule`
 * of each with a count of the rest (the JSON has the same data for scripts).
 */
import type { AuditReport } from './report.js';
import { RULE_ORDER, RULE_TEXT } from './rules.js';
import { describeWeakened } from '../notice/weakened.js';

const DAYS_SHOWN = 31;

export function formatAuditReport(r: AuditReport, perRule = 20): string {
  const total = Object.values(r.violation_counts).reduce((a, b) => a + (b ?? 0), 0);
  const rules = Object.keys(r.violation_counts).length;
  const p = r.policy;
  const c = r.counts;
  const out: string[] = [];
  const weak = r.weakened_settings;
  const failedOnPolicy = r.strict && weak.length > 0;
  out.push(
    r.ok
      ? `clickrelay audit: PASSED — no violations${weak.length > 0 ? `, but ${weak.length} setting${weak.length === 1 ? ' is' : 's are'} weaker than the defaults (see below; --strict fails on them)` : ''}`
      : `clickrelay audit: FAILED — ${total} violation${total === 1 ? '' : 's'} of ${rules} rule${rules === 1 ? '' : 's'}${failedOnPolicy ? `${total > 0 ? ' and ' : ' — '}${weak.length} setting${weak.length === 1 ? '' : 's'} weaker than the defaults (--strict)` : ''}`,
    // No outbox, or a damaged one, undermines every other line: said before them.
    ...r.violations.filter((v) => v.rule === 'outbox.missing' || v.rule === 'outbox.damaged').map((v) => `  ${v.rule}: ${v.detail}`),
    '',
    `  checked at    ${r.checked_at}`,
    `  data dir      ${r.data_dir}`,
    `  policy        IPv4 /${p.ipv4_prefix}, IPv6 /${p.ipv6_prefix}; referrer ${p.referrer}; user agent ${p.user_agent}`,
    `                DNT ${p.honor_dnt ? 'honoured' : 'ignored'}, GPC ${p.honor_gpc ? 'honoured' : 'ignored'} (${p.dnt_mode === 'count' ? 'counted without personal fields' : 'not recorded'})`,
    `                shipped clicks kept ${p.retention_days} days; session keys ${p.session_key_max_age_hours} h; metadata keys ${p.metadata_keys.join(', ')}`,
    `                (purges run hourly: a record or key is flagged once ${p.purge_grace_hours} h past its limit)`,
    `  records       ${c.total} (${c.by_state.pending} pending, ${c.by_state.shipped} shipped, ${c.by_state.dead} dead letters); ${c.anonymous} anonymous (DNT/GPC); ${c.humans} people, ${c.scanners} e-mail security scanners, ${c.bots} bots`,
    `  oldest        ${r.oldest ? `${r.oldest.clicked_at}  ${r.oldest.click_id} (seq ${r.oldest.seq}, ${r.oldest.state})` : 'none'}`,
    `  chain         ${r.chain.ok ? 'verifies' : 'BROKEN'}: ${r.chain.rows} rows, last position ${r.chain.last_seq}, ${r.chain.checkpoints} purge checkpoints, outbox.head at ${r.chain.head_seq ?? 'none'}`,
    // Several shards (server.threads > 1, now or before): each chain verifies on its own.
    ...(r.shards.length > 1 ? r.shards.map((sh) => `    ${sh.file.padEnd(12)}${sh.ok ? 'verifies' : 'BROKEN'}: ${sh.rows} rows, last position ${sh.last_seq}, ${sh.checkpoints} purge checkpoints, head at ${sh.head_seq ?? 'none'}`) : []),
    `  session keys  ${r.session_keys.oldest_age_hours === null ? 'none' : `oldest ${r.session_keys.oldest_age_hours} h`}${r.session_keys.mode ? `, file mode ${r.session_keys.mode}` : ''}`,
  );
  for (const e of r.erasures) {
    out.push(`  erasure       ${e.count} click${e.count === 1 ? '' : 's'} erased ${e.erased_at}${e.reason ? `: ${e.reason}` : ''} (clickrelay erase)`);
  }
  if (r.warnings.length > 0) {
    out.push('', 'Warnings (the audit does not fail on them)');
    for (const w of r.warnings) out.push(`  ${w.kind}: ${w.detail}`);
  }
  if (weak.length > 0) {
    out.push('', `Policy weaker than the defaults${r.strict ? ' (a failure under --strict)' : ' (a warning; --strict fails on it)'}`);
    for (const w of weak) out.push(`  ${describeWeakened(w)}`, `    ${w.effect}`);
  }
  const days = Object.entries(c.by_day);
  if (days.length > 0) {
    const shown = days.slice(-DAYS_SHOWN);
    out.push('', `  clicks by day (UTC)${days.length > shown.length ? `, newest ${shown.length} of ${days.length} days` : ''}`);
    for (let i = 0; i < shown.length; i += 4) {
      out.push(`    ${shown.slice(i, i + 4).map(([d, n]) => `${d} ${String(n).padStart(8)}`).join('   ')}`);
    }
  }
  if (total > 0) {
    out.push('', 'Violations');
    for (const rule of RULE_ORDER) {
      const count = r.violation_counts[rule];
      if (!count) continue;
      out.push('', `  ${rule} (${count}): ${RULE_TEXT[rule]}`);
      const listed = r.violations.filter((v) => v.rule === rule).slice(0, perRule);
      for (const v of listed) {
        const where = v.seq === null ? '' : `seq ${v.seq}  `;
        out.push(`    ${where}${v.click_id ?? '-'}  ${v.detail}`);
      }
      if (count > listed.length) out.push(`    … and ${count - listed.length} more`);
    }
    out.push('', `Keep a copy of ${r.shards.length > 1 ? 'the outbox-*.db, outbox-*.head files, outbox.db, outbox.head' : 'outbox.db, outbox.head'} and session-keys before changing anything (CR_ERR_AUDIT_VIOLATION).`);
  }
  return `${out.join('\n')}\n`;
}
