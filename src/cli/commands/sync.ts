/**
 * `clickrelay sync [--force] [--json]`: one mirror sync now. A running `serve` notices the
 * replaced mirror.db and reloads it. Exit 1 when the sync failed, 3 when the listing was
 * refused by sync.max_change_ratio (the old mirror stays either way), 2 when the configuration
 * is the cause (no API key, no source); `--force` accepts
 * such a listing on purpose.
 */
import { resolveSettings } from '../../config/settings.js';
import type { SyncResult } from '../../mirror/index.js';
import { syncOnceFor } from '../../service/stages.js';
import { parseCommand, printHelp } from '../args.js';
import { codedLine, exitCodeOf } from '../one-line.js';
import { progress } from '../progress.js';

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
        '  --force  accept a listing past sync.max_change_ratio\n' +
        '  --json   the result (or the error, with its code) as JSON\n',
    );
    return 0;
  }
  const settings = resolveSettings(cmd.config());
  try {
    // The listing's size is not known before its last page: the bar counts rows read.
    const bar = progress('sync', 'rows read');
    const r = await syncOnceFor(settings, { force: cmd.values.force === true, ...(process.stderr.isTTY ? { onProgress: (rows: number) => bar.update(rows) } : {}) }).finally(() => bar.stop());
    if (cmd.values.json) process.stdout.write(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
    else process.stdout.write(describe(r));
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string; details?: Record<string, unknown> };
    const refused = e.code === 'CR_ERR_MIRROR_REFUSED';
    if (cmd.values.json) process.stdout.write(JSON.stringify({ ok: false, refused, code: e.code, error: e.message, ...(e.details ? { details: e.details } : {}) }, null, 2) + '\n');
    process.stderr.write(`clickrelay sync ${refused ? 'refused the listing' : 'failed'}, the old mirror stays: ${codedLine(err)}\n`);
    return refused ? EXIT_REFUSED : exitCodeOf(err);
  }
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
