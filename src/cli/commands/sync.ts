/**
 * `clickrelay sync`: one mirror sync now. A running `serve` notices the replaced
 * mirror.db and reloads it. Exit 1 when the sync failed (the old mirror stays).
 */
import { runSync } from '../../mirror/index.js';
import { parseCommand, printHelp } from '../args.js';
import { progress } from '../progress.js';

export async function sync(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' } });
  if (cmd.help) {
    printHelp('clickrelay sync [--json] [--config FILE]\n  Syncs the mirror once (from main_system.base_url, else sync.file) and prints what changed.\n');
    return 0;
  }
  const config = cmd.config();
  try {
    // The listing's size is not known before its last page: the bar counts rows read.
    const bar = progress('sync', 'rows read');
    const r = await runSync({ config, ...(process.stderr.isTTY ? { onProgress: (rows: number) => bar.update(rows) } : {}) }).finally(() => bar.stop());
    if (cmd.values.json) process.stdout.write(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
    else {
      const rejected = Object.entries(r.rejected).map(([k, n]) => `${k}: ${n}`).join(', ');
      process.stdout.write(
        (r.changed
          ? `mirror synced from ${r.source}: ${r.added} added, ${r.removed} removed, ${r.changedUrl} URLs changed, ${r.deactivated} deactivated; `
          : `mirror unchanged (${r.unchangedBy ?? 'same set'}) from ${r.source}; `) +
          `${r.active} active, ${r.inactive} inactive, ${Math.round(r.durationMs)} ms` +
          (rejected ? `\nrejected rows (not served): ${rejected}` : '') +
          '\n',
      );
    }
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (cmd.values.json) process.stdout.write(JSON.stringify({ ok: false, code: e.code, error: e.message }, null, 2) + '\n');
    process.stderr.write(`clickrelay sync failed, the old mirror stays: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    return 1;
  }
}
