/**
 * Where `clickrelay audit --html FILE` may write, and the write itself. The audit inspects the
 * outbox; it must never be the thing that destroys it (#26: `--html outbox.db` replaced 115k
 * clicks with a report, and the report said PASSED). So:
 * - never a path inside storage.data_dir, however it is spelled (`..`, symlinks: both sides
 *   are resolved to real paths); not even with --force, a report has no business there;
 * - an existing file only when it is one of our earlier reports (REPORT_MARKER in its first
 *   bytes), unless --force;
 * - written beside the target under a temp name and renamed over it, so a failed write leaves
 *   the old file whole. A target that is a symlink is written through: the link stays.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ClickrelayError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { REPORT_MARKER } from './report-html.js';

/** Bytes read from an existing file to recognise a report: the marker, or an older report's title. */
const HEAD_BYTES = 512;
/** Reports written before the marker: their title, within HEAD_BYTES. */
const OLD_REPORT_TITLE = '<title>clickrelay audit ';

/** The real path of `p`: of the file when it exists, else of its nearest existing folder plus the rest. */
function realPath(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realPath(parent), basename(abs));
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function looksLikeReport(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const head = buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('utf8');
    return head.startsWith(REPORT_MARKER) || head.includes(OLD_REPORT_TITLE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws a coded error (exit 2) when the report may not go to `target`; returns the real path
 * to write to. Called before the audit runs, so a refused target costs nothing.
 */
export function checkReportTarget(target: string, dataDir: string, force: boolean): string {
  const real = realPath(target);
  const data = realPath(dataDir);
  if (isInside(real, data) || isInside(resolve(target), resolve(dataDir))) {
    throw new ClickrelayError('CR_ERR_AUDIT_HTML_IN_DATA_DIR', `audit --html ${target}: the path is inside storage.data_dir (${data}), where the outbox lives; write the report elsewhere`);
  }
  if (existsSync(real)) {
    if (!statSync(real).isFile()) throw new ClickrelayError('CR_ERR_AUDIT_HTML_NOT_REPORT', `audit --html ${target}: not a regular file; name a file`);
    if (!force && !looksLikeReport(real)) {
      throw new ClickrelayError('CR_ERR_AUDIT_HTML_NOT_REPORT', `audit --html ${target}: the file exists and is not an earlier clickrelay audit report; name another file, or add --force to replace it`);
    }
  }
  return real;
}

/** Writes the report through a temp file beside it and a rename. */
export function writeReport(realTarget: string, html: string): void {
  writeFileAtomic(realTarget, html, { durable: false });
}
