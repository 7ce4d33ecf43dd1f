/**
 * `clickrelay backup DIR` / `clickrelay restore DIR`: a consistent, private copy of the data
 * folder while serve runs, and its way back into an empty data folder (src/backup/).
 */
import { resolveSettings } from '../../config/settings.js';
import { ClickrelayError } from '../../errors.js';
import { backupDataDir, restoreDataDir } from '../../backup/backup.js';
import { readRuntimeFile } from '../../service/runtime-file.js';
import { parseCommand, printHelp, usageError } from '../args.js';

/** The folder is the one positional argument (the options parser takes none). */
function splitDir(argv: string[]): { dir: string | undefined; rest: string[] } {
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

export async function restore(argv: string[]): Promise<number> {
  const { dir, rest } = splitDir(argv);
  const cmd = parseCommand(rest, {}, { writes: true });
  if (cmd.help || !dir) {
    printHelp('clickrelay restore DIR [--config FILE]\n  Copies a backup made by clickrelay backup into storage.data_dir, which must be empty or missing, with no serve running. Then start serve and run clickrelay audit.\n');
    return cmd.help ? 0 : 2;
  }
  const settings = resolveSettings(cmd.config());
  const running = readRuntimeFile(settings.storage.data_dir);
  if (running) throw new ClickrelayError('CR_ERR_BACKUP_TARGET', `serve (pid ${running.pid}) runs on ${settings.storage.data_dir}: stop it first, and restore into an empty data folder`);
  if (!dir) usageError('restore: name the backup folder');
  const files = restoreDataDir(dir, settings.storage.data_dir);
  process.stdout.write(`restored ${files.length} files from ${dir} into ${settings.storage.data_dir}; start serve, then run clickrelay audit\n`);
  return 0;
}
