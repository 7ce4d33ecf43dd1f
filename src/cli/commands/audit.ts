/**
 * `clickrelay audit [--json] [--limit N]`: the compliance report on the outbox (contract,
 * "Audit"). Exit status 1 on any violation. The logic is src/audit/; this file parses
 * arguments and prints.
 */
import { mainSystemAdapter } from '../../main-system/adapter.js';
import { formatAuditReport, runAudit } from '../../audit/index.js';
import { openOutboxReadOnly } from '../../outbox/index.js';
import { policyFromConfig } from '../../privacy/index.js';
import { parseCommand, usageError } from '../args.js';

const HELP = `clickrelay audit [--json] [--limit N] [--config FILE]
  Verifies the whole outbox: the hash chain (edits, deletions, insertions, reordering, a cut
  tail), the privacy rules on every stored value (IP prefix, anonymous clicks, referrer and
  user-agent form, metadata allow-list, retention) and the session-key file (48 h, mode 0600).
  Prints counts, the oldest record and the policy in force. Exit status 1 on any violation.
  --json     machine-readable report (shape documented in src/audit/report.ts)
  --limit N  violations listed per rule; all are counted (default 20, with --json 1000)
`;

export async function audit(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' }, limit: { type: 'string' } });
  if (cmd.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = cmd.values.json === true;
  let limit = json ? 1000 : 20;
  if (typeof cmd.values.limit === 'string') {
    limit = Number(cmd.values.limit);
    if (!Number.isSafeInteger(limit) || limit < 0) usageError(`audit: --limit "${cmd.values.limit}" is not a whole number >= 0`);
  }
  const config = cmd.config();
  const reader = openOutboxReadOnly(config.storage.data_dir);
  let report;
  try {
    report = runAudit(reader, {
      privacy: policyFromConfig(config.privacy, config.main_system.base_url),
      retentionDays: config.privacy.retention_days,
      standalone: mainSystemAdapter(config.main_system) === null,
      maxListedPerRule: limit,
    });
  } finally {
    reader.close();
  }
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report, limit));
  return report.ok ? 0 : 1;
}
