/**
 * audit/ — the compliance side of the contract: `clickrelay audit` (the hash chain and the
 * privacy rules checked on the stored values), `clickrelay export`, `clickrelay
 * privacy-notice` and the local click statistics of the admin listener. Reads only: it
 * opens outbox.db read-only and never writes a file. Every "is this value allowed?" answer
 * comes from src/privacy/, every chain answer from src/outbox/.
 *
 *   rules.ts              stable rule names and what each protects
 *   row-checks.ts         the privacy rules applied to one stored click
 *   session-keys.ts       the session-key file rules (age, mode)
 *   violations.ts         counting every violation, listing a capped sample
 *   audit.ts              runAudit: one streaming pass, chain + rows + keys
 *   report.ts             the --json shape; report-text.ts the human report
 *   csv.ts, export.ts     streaming NDJSON / CSV export with backpressure
 *   privacy-notice.ts     the notice built from the configuration; privacy-notice-md.ts renders it
 *   statistics.ts         the guide's analytics answer for one link (link_info + click_statistics)
 *   analytics-thread.ts   runs it in a thread of its own (analytics-worker.ts), off the redirect thread
  *
 * Exported here: only what other stages use (the CLI commands, the service). Tests reach the
 * files directly.
 */
export { runAudit } from './audit.js';
export { EXPORT_FORMATS, writeExport, type ExportFormat } from './export.js';
export { parseTimeBound } from './export-range.js';
export { buildPrivacyNotice } from './privacy-notice.js';
export { renderPrivacyNoticeMarkdown } from './privacy-notice-md.js';
export { formatAuditReport } from './report-text.js';
export { renderAuditHtml } from './report-html.js';
export { createAnalyticsThread } from './analytics-thread.js';
export { describeWeakened, weakenedSettings, type WeakenedSetting } from './weakened.js';
export { optOutPages } from './opt-out-page.js';
