/**
 * `clickrelay sync [--force] [--json]`: one mirror sync now. With a serve running on the data
 * folder, the serve does it (POST /admin/sync, running-serve.ts): with its credentials, as its
 * schedule would, joining a sync already under way. Else this process does it, and a running
 * serve started later notices nothing amiss. Exit 1 when the sync failed, 3 when the listing was
 * refused by sync.max_change_ratio (the old mirror stays either way), 2 when the configuration
 * is the cause (no API key, no source); `--force` accepts such a listing on purpose.
 */
import { resolveSettings } from '../../config/settings.js';
import { ERRORS, type ErrorCode, type ErrorInfo } from '../../error-catalogue.js';
import type { SyncResult } from '../../mirror/index.js';
import { syncFailed, syncSucceeded, type SyncAnswer } from '../../mirror/sync-answer.js';
import { SYNC_PATH } from '../../service/admin-control.js';
import { syncOnceFor } from '../../service/stages.js';
import { parseCommand, printHelp } from '../args.js';
import { codedLine, exitCodeOf } from '../one-line.js';
import { progress } from '../progress.js';
import { askServe, doneBy, runningServe } from '../running-serve.js';

/** Exit status of a refused listing: a script can tell "the main system looks broken" from "unreachable". */
export const EXIT_REFUSED = 3;

export async function sync(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' }, force: { type: 'boolean' } }, { writes: true });
  if (cmd.help) {
    printHelp(
      'clickrelay sync [--force] [--json] [--config FILE]\n' +
        '  Syncs the mirror once (from main_system.base_url, else the main system\'s database at\n' +
        '  main_system.database_url, else sync.file) and prints what changed.\n' +
        '  A listing that would reject, remove or deactivate more than sync.max_change_ratio of the mirror\n' +
        `  is refused (exit ${EXIT_REFUSED}) unless --force. Exit 1 when the sync failed. The old mirror stays either way.\n` +
        '  With serve running on the data folder, the serve syncs (asked through its admin listener, with its own credentials; no key is needed here) and this prints its answer.\n' +
        '  --force  accept a listing past sync.max_change_ratio\n' +
        '  --json   the result (or the error, with its code) as JSON\n',
    );
    return 0;
  }
  const config = cmd.loadConfig();
  const settings = resolveSettings(config);
  const force = cmd.values.force === true;
  const json = cmd.values.json === true;
  const serve = runningServe(settings);
  if (serve) {
    const answer = (await askServe(settings, serve, SYNC_PATH, force ? { force: true } : {}, serve.syncDeadlineS)) as SyncAnswer;
    process.stderr.write(doneBy('sync', serve));
    if (answer.ok) return printed(answer, json);
    const code = answer.code && answer.code in ERRORS ? (answer.code as ErrorCode) : 'CR_ERR_UNEXPECTED';
    return failed(answer, json, `${code}: ${answer.error.replace(/\s*\n\s*/g, ' ')}`, (ERRORS[code] as ErrorInfo).config === true ? 2 : 1);
  }
  cmd.actAsOwner(config);
  try {
    // The listing's size is not known before its last page: the bar counts rows read.
    const bar = progress('sync', 'rows read');
    const r = await syncOnceFor(settings, { force, ...(process.stderr.isTTY ? { onProgress: (rows: number) => bar.update(rows) } : {}) }).finally(() => bar.stop());
    return printed(syncSucceeded(r) as SyncAnswer & { ok: true }, json);
  } catch (err) {
    return failed(syncFailed(err) as SyncAnswer & { ok: false }, json, codedLine(err), exitCodeOf(err));
  }
}

function printed(answer: SyncAnswer & { ok: true }, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
  else process.stdout.write(describe(answer));
  return 0;
}

function failed(answer: SyncAnswer & { ok: false }, json: boolean, line: string, exit: number): number {
  if (json) process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
  process.stderr.write(`clickrelay sync ${answer.refused ? 'refused the listing' : 'failed'}, the old mirror stays: ${line}\n`);
  return answer.refused ? EXIT_REFUSED : exit;
}

function describe(r: SyncResult): string {
  const rejected = Object.entries(r.rejected)
    .map(([k, n]) => {
      const ids = r.rejectedSamples[k as keyof typeof r.rejectedSamples] ?? [];
      return `${k}: ${n}${ids.length ? ` (${ids.join(', ')}${(n ?? 0) > ids.length ? ', …' : ''})` : ''}`;
    })
    .join(', ');
  return (
    (r.forced ? 'forced: accepted a listing sync.max_change_ratio would have refused\n' : '') +
    (r.changed
      ? `mirror synced from ${r.source}: ${r.added} added, ${r.removed} removed, ${r.changedUrl} URLs changed, ${r.deactivated} deactivated; `
      : `mirror unchanged (${r.unchangedBy ?? 'same set'}) from ${r.source}; `) +
    `${r.active} active, ${r.inactive} inactive, ${Math.round(r.durationMs)} ms` +
    (rejected ? `\nrejected rows (not served): ${rejected}` : '') +
    '\n'
  );
}
