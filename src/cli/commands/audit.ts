/**
 * `clickrelay audit [--json] [--limit N]`: the compliance report on the outbox (contract,
 * "Audit"). Exit status 1 on any violation. The logic is src/audit/; this file parses
 * arguments and prints.
 */
import { checkReportTarget, formatAuditReport, renderAuditHtml, runAudit, writeReport } from '../../audit/index.js';
import { weakenedSettings } from '../../notice/index.js';
import { transportWeakened } from '../../adapters/registry.js';
import { resolveSettings } from '../../config/settings.js';
import { openOutboxReaderFor, policyFor } from '../../service/stages.js';
import { parseCommand, usageError, printHelp } from '../args.js';
import { progress } from '../progress.js';
import { version } from '../version.js';

const HELP = `clickrelay audit [--json] [--limit N] [--strict] [--html FILE [--force]] [--config FILE]
  Verifies the whole outbox: the hash chain (edits, deletions, insertions, reordering, a cut
  tail), the privacy rules on every stored value (IP prefix, anonymous clicks, referrer and
  user-agent form, metadata allow-list, retention) and the session-key file (48 h, mode 0600).
  A missing data folder, outbox.db or outbox.head, a damaged outbox or WAL (PRAGMA quick_check,
  WAL checksums), damaged files set aside by serve --accept-new-outbox, and outbox files others
  can read are violations too, reported first.
  Prints counts, the oldest record and the policy in force. Exit status 1 on any violation.
  --json     machine-readable report (shape documented in src/audit/report.ts)
  --limit N  violations listed per rule; all are counted (default 20, with --json 1000)
  --strict   also fail when a privacy setting is weaker than its default (ipv4_prefix above 24, ipv6_prefix above 48, full user agent or referrer, DNT/GPC ignored, retention above 30 days), or when the API key, password or clicks would cross a network unencrypted
  --html FILE  also write the report as one self-contained HTML page to FILE; never inside
             storage.data_dir, and an existing FILE only when it is an earlier report
  --force    with --html: replace an existing FILE that is not an earlier report
`;

export async function audit(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' }, limit: { type: 'string' }, strict: { type: 'boolean' }, html: { type: 'string' }, force: { type: 'boolean' } });
  if (cmd.help) {
    printHelp(HELP);
    return 0;
  }
  const json = cmd.values.json === true;
  let limit = json ? 1000 : 20;
  if (typeof cmd.values.limit === 'string') {
    limit = Number(cmd.values.limit);
    if (!Number.isSafeInteger(limit) || limit < 0) usageError(`audit: --limit "${cmd.values.limit}" is not a whole number >= 0`);
  }
  const config = resolveSettings(cmd.config());
  if (cmd.values.force === true && typeof cmd.values.html !== 'string') usageError('audit: --force only goes with --html FILE');
  // Checked before the audit runs: a refused target costs nothing and touches nothing.
  const htmlTarget = typeof cmd.values.html === 'string' ? checkReportTarget(cmd.values.html, config.storage.data_dir, cmd.values.force === true) : null;
  const reader = openOutboxReaderFor(config);
  let report;
  const bar = progress('audit', 'rows', process.stderr.isTTY ? reader.countRows() : 0);
  try {
    report = runAudit(reader, {
      // Clear-text transport counts as weakened too: --strict fails on it.
      weakened: [...weakenedSettings(config), ...transportWeakened(config)],
      strict: cmd.values.strict === true,
      progress: (rows) => bar.update(rows),
      privacy: policyFor(config),
      retentionDays: config.privacy.retention_days,
      standalone: config.standalone,
      maxListedPerRule: limit,
    });
  } finally {
    bar.stop();
    reader.close();
  }
  if (htmlTarget !== null) writeReport(htmlTarget, renderAuditHtml(report, version()));
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report, limit));
  return report.ok ? 0 : 1;
}
