/**
 * `clickrelay audit --html FILE`: the compliance report as one self-contained HTML page a
 * reviewer can file — the verdict, the policy checked against (and what is weaker than the
 * defaults), counts, the chain, every listed violation with its click id, clicks per day.
 * Same data as --json; nothing fetched, no script.
 */
import { esc, page, stackedBars } from '../lib/html.js';
import type { AuditReport } from './report.js';
import { RULE_ORDER, RULE_TEXT } from './rules.js';

/**
 * The first bytes of every report: how `audit --html` recognises a file it may replace
 * (report-file.ts). A comment before the doctype is allowed by HTML and changes nothing.
 */
export const REPORT_MARKER = '<!-- clickrelay audit report -->';

const row = (k: string, v: string): string => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;

export function renderAuditHtml(r: AuditReport, version: string): string {
  const total = Object.values(r.violation_counts).reduce((a, b) => a + (b ?? 0), 0);
  const p = r.policy;
  const c = r.counts;
  const weak = r.weakened_settings;
  const verdict = r.ok
    ? `<div class="banner ${weak.length ? 'warn' : 'ok'}" id="verdict">PASSED — no violations${weak.length ? `; ${weak.length} setting${weak.length === 1 ? ' is' : 's are'} weaker than the defaults` : ''}</div>`
    : `<div class="banner bad" id="verdict">FAILED — ${total} violation${total === 1 ? '' : 's'}${r.strict && weak.length ? ` and ${weak.length} setting${weak.length === 1 ? '' : 's'} weaker than the defaults (--strict)` : ''}</div>`;

  const policy = `<table id="policy">
${row('privacy.ipv4_prefix', `/${p.ipv4_prefix}`)}
${row('privacy.ipv6_prefix', `/${p.ipv6_prefix}`)}
${row('privacy.referrer', esc(p.referrer))}
${row('privacy.user_agent', esc(p.user_agent))}
${row('privacy.honor_dnt / honor_gpc', `${p.honor_dnt ? 'honoured' : 'ignored'} / ${p.honor_gpc ? 'honoured' : 'ignored'}`)}
${row('privacy.dnt_mode', esc(p.dnt_mode))}
${row('privacy.retention_days', String(p.retention_days))}
${row('session keys deleted after', `${p.session_key_max_age_hours} h`)}
${row('metadata keys allowed', `<code>${esc(p.metadata_keys.join(', '))}</code>`)}
</table>`;

  const weakened = weak.length
    ? `<h2>Settings weaker than the defaults</h2><table id="weakened"><tr><th>setting</th><th>value (default)</th><th>what it means</th></tr>
${weak.map((w) => `<tr><td><code>${esc(w.key)}</code></td><td><code>${esc(JSON.stringify(w.value))}</code> (${esc(JSON.stringify(w.default))})</td><td class="warn">${esc(w.effect)}</td></tr>`).join('\n')}</table>`
    : '';

  const counts = `<table id="counts">
${row('records', `<span class="figure">${c.total}</span>`)}
${row('pending / shipped / dead letters', `${c.by_state.pending} / ${c.by_state.shipped} / ${c.by_state.dead}`)}
${row('anonymous (DNT/GPC)', String(c.anonymous))}
${row('bots', String(c.bots))}
${row('oldest', r.oldest ? `${esc(r.oldest.clicked_at)} <code>${esc(r.oldest.click_id)}</code> (${esc(r.oldest.state)})` : 'none')}
</table>`;

  const chain = `<table id="chain">
${row('hash chain', r.chain.ok ? '<span class="ok">verifies</span>' : '<span class="bad">BROKEN</span>')}
${row('rows, last position', `${r.chain.rows}, ${r.chain.last_seq}`)}
${row('purge checkpoints', String(r.chain.checkpoints))}
${r.erasures.map((e) => row('erasure', `${e.count} click${e.count === 1 ? '' : 's'} erased ${esc(e.erased_at)}${e.reason ? `: ${esc(e.reason)}` : ''}`)).join('\n')}
${r.warnings.map((w) => row('warning', `<span class="warn">${esc(w.detail)}</span>`)).join('\n')}
${row('outbox.head at', r.chain.head_seq === null ? '<span class="bad">none</span>' : String(r.chain.head_seq))}
${r.shards.length > 1 ? r.shards.map((sh) => row(`shard ${sh.file}`, `${sh.ok ? '<span class="ok">verifies</span>' : '<span class="bad">BROKEN</span>'}: ${sh.rows} rows, last position ${sh.last_seq}, ${sh.checkpoints} checkpoints, head at ${sh.head_seq ?? 'none'}`)).join('\n') : ''}
${row('session keys', r.session_keys.oldest_age_hours === null ? 'none' : `oldest ${r.session_keys.oldest_age_hours} h${r.session_keys.mode ? `, file mode ${esc(r.session_keys.mode)}` : ''}`)}
</table>`;

  const violations = total
    ? RULE_ORDER.filter((rule) => r.violation_counts[rule])
        .map((rule) => {
          const listed = r.violations.filter((v) => v.rule === rule);
          const count = r.violation_counts[rule]!;
          return `<h3><code>${esc(rule)}</code> (${count})</h3><p class="muted">${esc(RULE_TEXT[rule])}</p>
<table class="violations" data-rule="${esc(rule)}"><tr><th class="n">seq</th><th>click id</th><th>detail</th></tr>
${listed.map((v) => `<tr><td class="n">${v.seq ?? ''}</td><td><code>${esc(v.click_id ?? '-')}</code></td><td>${esc(v.detail)}</td></tr>`).join('\n')}
</table>${count > listed.length ? `<p class="muted">… and ${count - listed.length} more (all are in <code>audit --json</code>)</p>` : ''}`;
        })
        .join('\n')
    : '<p class="ok">None.</p>';

  const days = Object.entries(c.by_day);
  const perDay = days.length
    ? stackedBars({ id: 'days', title: 'Clicks per day (UTC)', labels: days.map(([d]) => d), series: [{ name: 'clicks', color: '#0969da', values: days.map(([, n]) => n) }] }) +
      `<table id="by-day"><tr><th>day (UTC)</th><th class="n">clicks</th></tr>${days.map(([d, n]) => `<tr><td>${esc(d)}</td><td class="n">${n}</td></tr>`).join('')}</table>`
    : '<p class="muted">No clicks stored.</p>';

  return REPORT_MARKER + '\n' + page(
    `clickrelay audit ${r.checked_at}`,
    `<h1>clickrelay compliance report</h1>
<p class="muted">Checked ${esc(r.checked_at)} · data folder <code>${esc(r.data_dir)}</code> · clickrelay ${esc(version)}${r.strict ? ' · --strict' : ''}</p>
${verdict}
<h2>Policy checked against</h2>
${policy}
${weakened}
<h2>Counts</h2>
${counts}
<h2>Chain and keys</h2>
${chain}
<h2>Violations</h2>
${violations}
<h2>Clicks per day</h2>
${perDay}
`,
  );
}
