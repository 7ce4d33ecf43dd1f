/**
 * `clickrelay restore DIR`: a backup made by `clickrelay backup` (backup.ts) back into an empty
 * data folder, with no serve running (src/backup/).
 */
import { resolveSettings } from '../../config/settings.js';
import { ClickrelayError } from '../../errors.js';
import { restoreDataDir } from '../../backup/backup.js';
import { readRuntimeFile } from '../../service/runtime-file.js';
import { parseCommand, printHelp, usageError } from '../args.js';
import { splitDir } from './backup.js';

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
