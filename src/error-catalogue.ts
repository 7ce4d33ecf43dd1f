/**
 * Every stable error code clickrelay can show an operator, from every stage, in one
 * table: whether the service recovers by itself and what to do. docs/errors.md is this
 * table in prose; test/unit/errors.test.ts keeps the two in step.
 */
import { ERRORS, type ErrorInfo } from './errors.js';
import { MIRROR_ERROR_CODES } from './mirror/errors.js';

const OUTBOX_ERRORS = {
  CR_ERR_OUTBOX_WRITE: ERRORS.CR_ERR_OUTBOX_WRITE,
  CR_ERR_OUTBOX_WRITER_DIED: { recoverable: true, action: 'The outbox writer thread died and is restarted; clicks of its last batch may be lost (counted in clickrelay_click_write_errors_total). Report it with the log.' },
  CR_ERR_OUTBOX_QUEUE_FULL: { recoverable: true, action: 'More clicks wait for the writer than it can hold: the disk is far too slow or stuck. Check I/O on storage.data_dir.' },
  CR_ERR_OUTBOX_CLOSED: { recoverable: false, action: 'A click arrived while the service was stopping; nothing to do.' },
  CR_ERR_OUTBOX_OPEN: { recoverable: false, action: 'outbox.db could not be opened: check permissions of storage.data_dir, or whether it was written by a newer clickrelay. A file that is not a SQLite database (damaged header): keep a copy, then restore it or start with `clickrelay serve --accept-new-outbox`.' },
  CR_ERR_OUTBOX_BEHIND_HEAD: { recoverable: false, action: 'outbox.db holds fewer clicks than outbox.head records (deleted, emptied or an older copy restored): serve refuses to start. Restore outbox.db (with its -wal) from a backup, or accept the loss with `clickrelay serve --accept-new-outbox` (the audit keeps reporting the missing positions).' },
  CR_ERR_OUTBOX_WAL_DAMAGED: { recoverable: false, action: 'outbox.db-wal is damaged and SQLite would silently drop the committed clicks after the damage: serve refuses to start. Copy outbox.db, outbox.db-wal and outbox.head somewhere safe first; then repair, or accept the loss with `clickrelay serve --accept-new-outbox` (the WAL is kept as outbox.db-wal.damaged-<time>).' },
  CR_ERR_OUTBOX_CORRUPT: { recoverable: false, action: 'outbox.db fails SQLite\'s integrity check: serve refuses to start. Copy the outbox files somewhere safe, try `sqlite3 outbox.db .recover`, or start a new outbox with `clickrelay serve --accept-new-outbox` (the damaged files are kept as outbox.db.damaged-<time>).' },
} as const satisfies Record<string, ErrorInfo>;

export const ERROR_CATALOGUE: Readonly<Record<string, ErrorInfo>> = Object.freeze({ ...ERRORS, ...MIRROR_ERROR_CODES, ...OUTBOX_ERRORS });

/** docs/errors.md, as the test expects it (regenerate: npm run docs:errors). */
export function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, i]) => `| \`${code}\` | ${i.recoverable ? 'yes' : 'no'} | ${i.action.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Every code clickrelay logs or prints, whether the service recovers by itself, and what the operator should do.',
    'Generated from `src/error-catalogue.ts` by `npm run docs:errors`; `test/unit/errors.test.ts` fails when they differ.',
    '',
    '| code | recovers by itself | what to do |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
