/**
 * Pending clicks older than privacy.retention_days wait for delivery (they are not purged
 * before the main system has them, #25): `status` and `audit` say so as a warning, and the
 * audit still passes. In standalone mode the retention rule applies to them instead.
 */
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/audit/report.js';
import { storedClick, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { cli, dataDirEnv } from '../audit/cli.js';

const DAY = 86_400_000;

describe('pending clicks past retention', () => {
  it('are a warning in status and audit with a main system, a violation standalone', async () => {
    const dir = tempDataDir();
    const old = storedClick({ receivedAt: new Date(Date.now() - 45 * DAY) });
    await writeOutbox(dir, [old, storedClick()]);
    const env = dataDirEnv(dir, { CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://127.0.0.1:9', CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k' });

    const st = await cli(['status'], env);
    expect(st.stdout).toContain(`! pending clicks older than privacy.retention_days (30), the oldest from ${old.clicked_at}`);
    const json = JSON.parse((await cli(['status', '--json'], env)).stdout) as { outbox: { pending_past_retention: boolean } };
    expect(json.outbox.pending_past_retention).toBe(true);

    const a = await cli(['audit', '--json'], env);
    const report = JSON.parse(a.stdout) as AuditReport;
    expect(report.violations).toEqual([]);
    expect(a.code).toBe(0);
    expect(report.warnings).toEqual([{ kind: 'pending_past_retention', count: 1, detail: expect.stringContaining(old.clicked_at) }]);
    expect((await cli(['audit'], env)).stdout).toMatch(/Warnings \(the audit does not fail on them\)\n {2}pending_past_retention: 1 pending click was clicked more than/);

    const alone = JSON.parse((await cli(['audit', '--json'], dataDirEnv(dir))).stdout) as AuditReport;
    expect(alone.violation_counts).toEqual({ retention: 1 });
    expect(alone.warnings).toEqual([]);
  });
});
