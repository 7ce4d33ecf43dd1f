/**
 * audit/ — `clickrelay audit`: the hash chain and the privacy rules checked on the stored
 * values. Reads only: it opens outbox.db read-only and writes no file but the --html report. Every "is this
 * value allowed?" answer comes from src/privacy/, every chain answer from src/outbox/.
 *
 *   rules.ts              stable rule names and what each protects
 *   row-checks.ts         the privacy rules applied to one stored click
 *   session-keys.ts       the session-key file rules (age, mode)
 *   violations.ts         counting every violation, listing a capped sample
 *   audit.ts              runAudit: one streaming pass, chain + rows + keys
 *   report.ts             the --json shape; report-text.ts the human report, report-html.ts the page
 *   report-file.ts        where --html may write (never the data folder, never a file that is not a report) and the write
 *
 * Exported here: only what other stages use (the CLI commands). Tests reach the files directly.
 */
export { runAudit } from './audit.js';
export { formatAuditReport } from './report-text.js';
export { renderAuditHtml } from './report-html.js';
export { checkReportTarget, writeReport } from './report-file.js';
