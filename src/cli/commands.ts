/** The command table: name → module, and the usage text built from it. */
import { wrapText } from './args.js';
import { serve } from './commands/serve.js';
import { status } from './commands/status.js';
import { sync } from './commands/sync.js';
import { ship } from './commands/ship.js';
import { deadLetters } from './commands/dead-letters.js';
import { audit } from './commands/audit.js';
import { exportCommand } from './commands/export.js';
import { privacyNotice } from './commands/privacy-notice.js';
import { backup, restore } from './commands/backup.js';

export type Command = (argv: string[]) => Promise<number>;

export const COMMANDS: Record<string, Command> = {
  serve,
  sync,
  ship,
  status,
  'dead-letters': deadLetters,
  audit,
  export: exportCommand,
  'privacy-notice': privacyNotice,
  backup,
  restore,
};

export const SUMMARIES: Record<string, string> = {
  serve: 'redirector + scheduled mirror sync + shipper, in one service',
  sync: 'one mirror sync now; prints what changed (non-zero if it failed)',
  'ship --once [--timeout S]': 'ship everything shippable now, then exit (non-zero if anything is still pending)',
  'status [--json]': 'mirror, outbox backlog, shipping, dead letters, uWebSockets.js build',
  'dead-letters list|requeue|purge [--id ID]…': 'look at, re-queue or purge clicks the main system rejected',
  'audit [--json] [--limit N]': 'compliance report: hash chain, privacy rules on every stored value, session keys (non-zero on any violation)',
  'export [--format ndjson|csv] [--since ISO] [--until ISO]': 'outbox records to stdout, streamed',
  'privacy-notice [--format md|json]': 'the privacy notice for the configuration in force',
  'backup DIR': 'a consistent private copy of the outbox, heads, mirror and session keys, while serve runs',
  'restore DIR': 'a backup back into an empty data folder (serve stopped)',
};

export function usage(): string {
  // One line for the command, its summary indented below: fits 80 columns (--help test).
  const lines = Object.entries(SUMMARIES).map(([k, v]) => `  clickrelay ${k}\n      ${v}`);
  return wrapText(
    `Usage:\n${lines.join('\n')}\n  clickrelay --version\n\nEvery command takes --config FILE (default: $CLICKRELAY_CONFIG, else ./config/clickrelay.toml, else built-in defaults) and --help.\n`,
  );
}
