/**
 * `clickrelay backup DIR`: a consistent, private copy of the data folder while serve runs
 * (src/backup/). Its way back is `clickrelay restore DIR` (restore.ts).
 */
import { resolveSettings } from '../../config/settings.js';
import { backupDataDir } from '../../backup/backup.js';
import { parseCommand, printHelp } from '../args.js';

/** The folder is the one positional argument (the options parser takes none); restore takes it the same way. */
export function splitDir(argv: string[]): { dir: string | undefined; rest: string[] } {
  const i = argv.findIndex((a) => !a.startsWith('-'));
  const before = argv[i - 1];
  if (i < 0 || before === '--config') return { dir: undefined, rest: argv };
  return { dir: argv[i], rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
}

export async function backup(argv: string[]): Promise<number> {
  const { dir, rest } = splitDir(argv);
  const cmd = parseCommand(rest, {});
  if (cmd.help || !dir) {
    printHelp('clickrelay backup DIR [--config FILE]\n  Copies the outbox (every shard and its head), mirror.db, mirror-sync.json and session-keys into DIR (new or empty; 0700, files 0600), consistently while serve runs. Restore with clickrelay restore DIR.\n');
    return cmd.help ? 0 : 2;
  }
  const settings = resolveSettings(cmd.config());
  const files = await backupDataDir(settings.storage.data_dir, dir);
  process.stdout.write(`backed up ${files.length} files from ${settings.storage.data_dir} to ${dir}: ${files.join(', ')}\n`);
  return 0;
}
