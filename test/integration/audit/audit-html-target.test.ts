/**
 * Issue #26: `clickrelay audit --html FILE` once replaced the live outbox.db with its report.
 * With the built CLI on a real outbox: a path inside storage.data_dir is refused however it is
 * spelled (`..`, a symlinked folder, a symlink to outbox.db), even with --force; an existing file
 * that is not an earlier report is refused unless --force; an earlier report is replaced; the
 * write goes through a temp file beside the target and a rename, leaving nothing else behind.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MARKER } from '../../../src/audit/report-html.js';
import { mixedClicks, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { cli, dataDirEnv } from './cli.js';

let dir: string;
const fingerprint = () =>
  readdirSync(dir)
    .sort()
    .map((f) => `${f}:${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`)
    .join('\n');

beforeAll(async () => {
  dir = tempDataDir();
  await writeOutbox(dir, mixedClicks(6));
});

/** The audit ran (its verdict on this outbox is not what is tested here: 0 or 1). */
const expectAudited = (r: { code: number | null; stderr: string }) => expect([0, 1], r.stderr).toContain(r.code);

/** A refused run: exit 2, one coded line, and not a byte of the data folder changed. */
async function expectRefused(args: string[], code: string): Promise<void> {
  const before = fingerprint();
  const r = await cli(['audit', ...args], dataDirEnv(dir));
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(code);
  expect(r.stdout).toBe(''); // refused before the audit ran
  expect(fingerprint()).toBe(before);
}

describe('audit --html FILE never overwrites what it should not', () => {
  it('refuses the outbox itself and any path inside the data folder, also with --force', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'cr-report-'));
    const linkToFolder = join(outside, 'data-link');
    symlinkSync(dir, linkToFolder);
    const linkToOutbox = join(outside, 'report.html');
    symlinkSync(join(dir, 'outbox.db'), linkToOutbox);
    mkdirSync(join(outside, 'sub'));
    for (const target of [
      join(dir, 'outbox.db'),
      join(dir, 'outbox.head'),
      join(dir, 'new-report.html'),
      dir,
      join(outside, 'sub', '..', '..', basename(dir), 'outbox.db'),
      join(linkToFolder, 'outbox.db'),
      join(linkToFolder, 'report.html'),
      linkToOutbox,
    ]) {
      await expectRefused(['--html', target], 'CR_ERR_AUDIT_HTML_IN_DATA_DIR');
      await expectRefused(['--html', target, '--force'], 'CR_ERR_AUDIT_HTML_IN_DATA_DIR');
    }
  }, 180_000);

  it('refuses an existing file that is not an earlier report unless --force, and then replaces it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'cr-report-'));
    const notes = join(outside, 'notes.html');
    writeFileSync(notes, '<!doctype html><title>my notes</title>');
    const r = await cli(['audit', '--html', notes], dataDirEnv(dir));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^clickrelay: .*CR_ERR_AUDIT_HTML_NOT_REPORT/);
    expect(readFileSync(notes, 'utf8')).toBe('<!doctype html><title>my notes</title>');

    const forced = await cli(['audit', '--html', notes, '--force'], dataDirEnv(dir));
    expectAudited(forced);
    expect(readFileSync(notes, 'utf8').startsWith(REPORT_MARKER)).toBe(true);
    expect(readdirSync(outside)).toEqual(['notes.html']); // the temp file was renamed, nothing left

    // A folder is no file to write a report to.
    const folder = join(outside, 'folder');
    mkdirSync(folder);
    const f = await cli(['audit', '--html', folder, '--force'], dataDirEnv(dir));
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('CR_ERR_AUDIT_HTML_NOT_REPORT');
  }, 60_000);

  it('writes a new file, and replaces an earlier report without --force, through a symlink too', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'cr-report-'));
    const file = join(outside, 'audit.html');
    const first = await cli(['audit', '--html', file], dataDirEnv(dir));
    expectAudited(first);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith(`${REPORT_MARKER}\n<!doctype html>`)).toBe(true);

    writeFileSync(file, html.replace('clickrelay compliance report', 'OLD REPORT'));
    const again = await cli(['audit', '--html', file], dataDirEnv(dir));
    expectAudited(again);
    expect(readFileSync(file, 'utf8')).not.toContain('OLD REPORT');

    // A link to an earlier report: the report is written where it points, the link stays.
    const link = join(outside, 'latest.html');
    symlinkSync(file, link);
    writeFileSync(file, html.replace('clickrelay compliance report', 'OLD REPORT'));
    const viaLink = await cli(['audit', '--html', link], dataDirEnv(dir));
    expectAudited(viaLink);
    expect(readFileSync(file, 'utf8')).not.toContain('OLD REPORT');
    expect(readdirSync(outside).sort()).toEqual(['audit.html', 'latest.html']);
  }, 60_000);

  it('--force without --html is a usage error', async () => {
    const r = await cli(['audit', '--force'], dataDirEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CR_ERR_CONFIG_INVALID');
  });
});
