/**
 * `clickrelay privacy-notice [--format md|json]`: what is stored, in what form, for how
 * long and where it goes, generated from the configuration in force (src/audit/privacy-notice.ts).
 */
import { buildPrivacyNotice, renderPrivacyNoticeMarkdown } from '../../notice/index.js';
import { resolveSettings } from '../../config/settings.js';
import { openCountryDb } from '../../country/country-db.js';
import { parseCommand, usageError, printHelp } from '../args.js';

export async function privacyNotice(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { format: { type: 'string' } });
  if (cmd.help) {
    printHelp('clickrelay privacy-notice [--format md|json] [--config FILE]\n  The privacy notice for this configuration: every stored field and its form, retention, recipients, DNT/GPC, bots, cookies, session ids. Markdown by default.\n');
    return 0;
  }
  const format = cmd.values.format ?? 'md';
  if (format !== 'md' && format !== 'json') usageError(`privacy-notice: --format "${String(format)}" is not allowed (md or json)`);
  const settings = resolveSettings(cmd.config());
  // The database serve would use, so the notice names its licence and attribution (a wrong file stops here, as serve would).
  const notice = buildPrivacyNotice(settings, new Date(), settings.privacy.country === 'country' ? openCountryDb(settings.privacy.country_db) : undefined);
  process.stdout.write(format === 'json' ? `${JSON.stringify(notice, null, 2)}\n` : renderPrivacyNoticeMarkdown(notice));
  return 0;
}
