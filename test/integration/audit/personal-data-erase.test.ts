/**
 * Personal data a sender put in a link (#25): clicked through a real `serve`, an e-mail
 * address and a phone number in UTM values are stored as markers and the audit passes. An
 * outbox an older build wrote with the address verbatim fails the audit until the reviewer
 * erases the click with `clickrelay erase`, which the audit then verifies and lists; the
 * erasure works beside a running serve, whose chain goes on intact.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/audit/report.js';
import { runCli, serveEnv, waitReady, type Child } from '../../support/child-service.js';
import { CHROME, storedClick, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { cli, dataDirEnv } from './cli.js';
import { oneLinkFolder } from '../../support/one-link-folder.js';

const { root, links } = oneLinkFolder('cr-pii-', 'lt_pii');

async function auditJson(dir: string): Promise<{ code: number | null; report: AuditReport }> {
  const r = await cli(['audit', '--json'], dataDirEnv(dir));
  return { code: r.code, report: JSON.parse(r.stdout) as AuditReport };
}

function storedMetadata(dir: string): { click_id: string; metadata: Record<string, string> }[] {
  const db = new Database(join(dir, 'outbox.db'), { readonly: true });
  try {
    return (db.prepare('SELECT click_id, metadata FROM clicks ORDER BY seq').all() as { click_id: string; metadata: string }[]).map((r) => ({ click_id: r.click_id, metadata: JSON.parse(r.metadata) as Record<string, string> }));
  } finally {
    db.close();
  }
}

describe('personal data in a link', () => {
  it('is stored as markers through a real serve, the audit passes, and erase works while serve runs', async () => {
    const dir = join(root, 'served');
    // One serving thread: the clicks are read from outbox.db in order, and the chain figures
    // below (rows, last_seq, head_seq) are those of one shard; with server.threads > 1 the
    // clicks spread over outbox-<k>.db too. Markers and erase are what this test is about.
    const env = await serveEnv(dir, links, { CLICKRELAY_SERVER_THREADS: '1' });
    const child: Child = runCli(['serve'], env);
    const port = Number(env.CLICKRELAY_SERVER_PORT);
    try {
      await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), child);
      // As a mail client sends it: "+" and spaces percent-encoded; and as typed, where "+" is a space.
      for (const q of ['utm_source=mail&utm_term=jane.doe%40example.com&utm_content=%2B44%2020%207946%200958', 'utm_term=jane.doe@example.com&utm_content=+44 20 7946 0958&utm_campaign=spring']) {
        const r = await fetch(`http://127.0.0.1:${port}/track/lt_pii?${q}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
        expect(r.status).toBe(302); // durable: the click is committed
      }
      const rows = storedMetadata(dir);
      expect(rows.map((r) => r.metadata)).toEqual([
        { utm_source: 'mail', utm_term: '[redacted:email]', utm_content: '[redacted:phone]' },
        { utm_term: '[redacted:email]', utm_content: '[redacted:phone]', utm_campaign: 'spring' },
      ]);
      const served = await auditJson(dir);
      expect(served.report.violations).toEqual([]);
      expect(served.code).toBe(0);

      // Erased while serve runs; serve's next click chains on as before.
      const e = await cli(['erase', '--id', rows[0]!.click_id, '--reason', 'test erasure'], dataDirEnv(dir));
      expect(e.stderr).toBe('');
      expect(e.stdout).toContain('erased 1 click (1 pending, 0 shipped, 0 dead letters)');
      expect(e.code).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/track/lt_pii`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      child.proc.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    }
    const after = await auditJson(dir);
    expect(after.report).toMatchObject({ ok: true, chain: { ok: true, rows: 2, last_seq: 3, checkpoints: 1, head_seq: 3 }, erasures: [{ count: 1, reason: 'test erasure' }] });
    expect(after.code).toBe(0);
  });

  it('stored verbatim by an older build fails the audit until the click is erased; the audit then lists the erasure', async () => {
    const dir = tempDataDir();
    const ordinary = storedClick();
    // What a build before #25 stored: the sender's values as they came.
    const older = { ...storedClick(), metadata: { utm_source: 'mail', utm_term: 'jane.doe@example.com', utm_content: '+44 20 7946 0958' } };
    await writeOutbox(dir, [ordinary, older, storedClick()]);
    const before = await auditJson(dir);
    expect(before.code).toBe(1);
    expect(before.report.violation_counts).toEqual({ utm_personal_data: 1 });
    expect(before.report.violations[0]).toMatchObject({ rule: 'utm_personal_data', click_id: older.click_id });
    const text = (await cli(['audit'], dataDirEnv(dir))).stdout;
    expect(text).toContain('clickrelay erase --id ID');
    expect(text).not.toContain('jane.doe');

    const missing = await cli(['erase', '--id', older.click_id, '--id', 'not-a-click', '--reason', 'e-mail address in utm_term, ticket 42'], dataDirEnv(dir));
    expect(missing.stdout).toContain('erased 1 click');
    expect(missing.stdout).toContain('not found: not-a-click');
    expect(missing.code).toBe(1);
    expect((await cli(['erase'], dataDirEnv(dir))).code).toBe(2); // no --id: nothing is erased by accident

    const { code, report } = await auditJson(dir);
    expect(report.violations).toEqual([]);
    expect(code).toBe(0);
    expect(report.chain).toMatchObject({ ok: true, rows: 2, last_seq: 3, checkpoints: 1 });
    expect(report.erasures).toEqual([{ erased_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), count: 1, reason: 'e-mail address in utm_term, ticket 42' }]);
    const shown = (await cli(['audit'], dataDirEnv(dir))).stdout;
    expect(shown).toContain('PASSED');
    expect(shown).toMatch(/erasure {7}1 click erased \S+: e-mail address in utm_term, ticket 42 \(clickrelay erase\)/);
    // Outside the data folder: audit --html refuses a path inside storage.data_dir (report-file.ts).
    const html = join(root, 'report.html');
    await cli(['audit', '--html', html], dataDirEnv(dir));
    expect(readFileSync(html, 'utf8')).toMatch(/<th>erasure<\/th><td>1 click erased \S+: e-mail address in utm_term, ticket 42<\/td>/);
  });
});
