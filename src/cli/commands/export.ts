/**
 * `clickrelay export [--format ndjson|csv] [--since ISO] [--until ISO]`: outbox records to
 * stdout, streamed (src/export/), from every outbox shard present (a k-way merge in time order). A progress bar goes to stderr, and only when
 * stderr is a terminal, so redirected output and scripts see nothing but the records.
 */
import { EXPORT_FORMATS, writeExport, type ExportFormat } from '../../export/index.js';
import { parseTimeBound } from '../../export/export-range.js';
import { resolveSettings } from '../../config/settings.js';
import type { RowRange } from '../../outbox/index.js';
import { openOutboxReaderFor } from '../../service/stages.js';
import { parseCommand, usageError, printHelp } from '../args.js';
import { codedLine } from '../one-line.js';
import { progress } from '../progress.js';

const HELP = `clickrelay export [--format ndjson|csv] [--since ISO] [--until ISO] [--config FILE]
  Every click in the outbox (pending, shipped and dead letters) to stdout, oldest position first;
  with several outbox shards (server.threads > 1, now or before) all of them, merged in time
  order (clicked_at, then click_id).
  --format  ndjson (default; one JSON object per line) or csv (RFC 4180, with a header row;
            values starting with = + - @ TAB CR or ' get a leading ' so spreadsheets do not
            run them as formulas)
  --since   clicks at or after this time (ISO 8601: 2025-07-27 or 2025-07-27T21:00:00Z; UTC if no zone)
  --until   clicks before this time
  Columns: click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id,
  click_source, metadata, anonymous, state, shipped_at.
`;

function bound(name: string, value: string | boolean | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const iso = parseTimeBound(value);
  if (iso === null) usageError(`export: --${name} "${value}" is not an ISO 8601 date or time (e.g. 2025-07-27 or 2025-07-27T21:00:00Z)`);
  return iso;
}

export async function exportCommand(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { format: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } });
  if (cmd.help) {
    printHelp(HELP);
    return 0;
  }
  const format = (cmd.values.format ?? 'ndjson') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) usageError(`export: --format "${String(format)}" is not allowed (${EXPORT_FORMATS.join(' or ')})`);
  const range: RowRange = {};
  const since = bound('since', cmd.values.since);
  const until = bound('until', cmd.values.until);
  if (since !== undefined) range.since = since;
  if (until !== undefined) range.until = until;
  if (since !== undefined && until !== undefined && since >= until) usageError(`export: --since ${since} is not before --until ${until}`);
  const settings = resolveSettings(cmd.config());

  // A reader that goes away (| head) makes stdout fail with EPIPE, possibly after the last
  // write returned: keep a listener so it is not an uncaught error.
  process.stdout.on('error', () => undefined);
  const reader = openOutboxReaderFor(settings);
  try {
    const bar = progress('export', 'rows', process.stderr.isTTY ? reader.countRows(range) : 0);
    const result = await writeExport(reader.rows(range), format, process.stdout, (rows) => bar.update(rows));
    bar.stop();
    if (result.error && (result.error as NodeJS.ErrnoException).code !== 'EPIPE') {
      process.stderr.write(`clickrelay export: output failed after ${result.rows} rows: ${codedLine(result.error)}\n`);
      return 1;
    }
    return 0;
  } finally {
    reader.close();
  }
}
