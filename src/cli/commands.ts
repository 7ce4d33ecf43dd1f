/** The command table: name → module, and the usage text built from it. */
import { wrapText } from './args.js';
export type Command = (argv: string[]) => Promise<number>;

/**
 * Each command's module is loaded only when that command runs: importing all of them (the
 * service, SQLite, uWebSockets.js, the sinks) took half a second before `--help` could print,
 * and every command paid for the others' modules.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Command): Command =>
  async (argv) =>
    pick(await load())(argv);

export const COMMANDS: Record<string, Command> = {
  serve: lazy(() => import('./commands/serve.js'), (m) => m.serve),
  sync: lazy(() => import('./commands/sync.js'), (m) => m.sync),
  ship: lazy(() => import('./commands/ship.js'), (m) => m.ship),
  status: lazy(() => import('./commands/status.js'), (m) => m.status),
  'dead-letters': lazy(() => import('./commands/dead-letters.js'), (m) => m.deadLetters),
  audit: lazy(() => import('./commands/audit.js'), (m) => m.audit),
  erase: lazy(() => import('./commands/erase.js'), (m) => m.erase),
  export: lazy(() => import('./commands/export.js'), (m) => m.exportCommand),
  'privacy-notice': lazy(() => import('./commands/privacy-notice.js'), (m) => m.privacyNotice),
  backup: lazy(() => import('./commands/backup.js'), (m) => m.backup),
  restore: lazy(() => import('./commands/restore.js'), (m) => m.restore),
};

export const SUMMARIES: Record<string, string> = {
  'serve [--accept-new-outbox]': 'redirector + scheduled mirror sync + shipper, in one service; --accept-new-outbox starts past a damaged or missing outbox',
  'sync [--force] [--json]': 'one mirror sync now; prints what changed (non-zero if it failed); --force accepts a listing past sync.max_change_ratio; with serve running, the serve does it',
  'ship --once [--timeout S]': 'ship everything shippable now, then exit (non-zero if anything is still pending); with serve running, its shipper does it',
  'status [--json]': 'mirror, outbox backlog, shipping, dead letters, uWebSockets.js build',
  'dead-letters list [--json] | requeue [--id ID]… | purge --id ID… | purge --all': 'look at, re-queue or purge clicks the main system rejected',
  'audit [--json] [--limit N] [--strict] [--html FILE [--force]]': 'compliance report: hash chain, privacy rules on every stored value, session keys (non-zero on any violation; --strict also on settings weaker than the defaults)',
  'erase --id ID… [--reason TEXT] [--json]': 'delete named clicks (e.g. personal data stored by mistake), recorded in the audit chain',
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
