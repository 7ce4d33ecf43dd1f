/**
 * `clickrelay privacy-notice [--format md|json]`: what is stored, in what form, for how
 * long and where it goes, generated from the configuration in force (src/audit/privacy-notice.ts).
 */
import { buildPrivacyNotice, renderPrivacyNoticeMarkdown } from '../../notice/index.js';
import { resolveSettings } from '../../config/settings.js';
import { parseCommand, usageError, printHelp } from '../args.js';

export async function privacyNotice(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { format: { type: 'string' } });
  if (cmd.help) {
    printHelp('clickrelay privacy-notice [--format md|json] [--config FILE]\n  The privacy notice for this configuration: every stored field and its form, retention, recipients, DNT/GPC, bots, cookies, session ids. Markdown by default.\n');
    return 0;
  }
  const format = cmd.values.format ?? 'md';
  if (format !== 'md' && format !== 'json') usageError(`privacy-notice: --format "${String(format)}" is not allowed (md or json)`);
  const notice = buildPrivacyNotice(resolveSettings(cmd.config()));
  process.stdout.write(format === 'json' ? `${JSON.stringify(notice, null, 2)}\n` : renderPrivacyNoticeMarkdown(notice));
  return 0;
}
