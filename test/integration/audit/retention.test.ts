/**
 * Retention purges delete rows but leave checkpoints: an outbox nobody touched still passes
 * the audit after any number of purges, and a shipped click past retention is a violation
 * only until the purge the service runs hourly.
 */
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/audit/report.js';
import { ackClicks, openOutbox, recordAll } from '../../unit/outbox/helpers.js';
import { audit, mixedClicks, tempDataDir } from '../../unit/audit/helpers.js';
import { cli, dataDirEnv } from './cli.js';

const DAY = 86_400_000;

describe('audit after retention purges', () => {
  it('an untouched outbox passes after purges of shipped clicks and dead letters, and after clicks recorded since', async () => {
    const dir = tempDataDir();
    const now = Date.now();
    // 90 clicks over 60 days; most shipped, some pending, a few dead
    const clicks = mixedClicks(90, undefined, (i) => new Date(now - (60 - (i * 60) / 90) * DAY));
    const outbox = await openOutbox(dir);
    await recordAll(outbox, clicks);
    await ackClicks(outbox, clicks.filter((_, i) => i % 10 !== 3 && i % 17 !== 5).map((c) => c.click_id), new Date(now - 40 * DAY));
    await outbox.deadLetter(clicks.filter((_, i) => i % 17 === 5).map((c) => ({ click_id: c.click_id, reason: 'HTTP 422' })));

    const before = audit(dir);
    expect(before.violation_counts.retention).toBeGreaterThan(20); // shipped or dead and past 30 days: the purge is due

    const purged = await outbox.purgeExpired(30, { now: new Date(now), maxRowsPerTx: 7 }); // small transactions, many checkpoints
    expect(purged).toBe(before.violation_counts.retention);
    expect(audit(dir).violations).toEqual([]);

    await outbox.purgeDead([clicks[5]!.click_id]);
    await recordAll(outbox, mixedClicks(15));
    await outbox.purgeExpired(30, { now: new Date(now) });
    await outbox.purgeDead();
    await outbox.close();

    // With a main system: pending clicks wait for delivery however old (standalone, the
    // audit would hold them to retention too).
    const r = await cli(['audit', '--json'], { ...dataDirEnv(dir), CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' });
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(report.violations).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.chain).toMatchObject({ ok: true, last_seq: 105 });
    expect(report.chain.checkpoints).toBeGreaterThan(1);
    expect(report.counts.by_state.dead).toBe(0);
    // retention took the dead letters past 30 days (#25); purgeDead the recent ones
    const recentDead = clicks.filter((_, i) => i % 17 === 5 && 60 - (i * 60) / 90 < 30).length;
    expect(report.counts.total).toBe(105 - purged - recentDead);
    // what is left: every pending click, however old, and shipped ones within retention
    expect(report.oldest!.state).toBe('pending');

    // The same outbox audited as standalone: its old pending clicks will never ship, so they are due.
    const alone = await cli(['audit', '--json'], dataDirEnv(dir));
    const aloneReport = JSON.parse(alone.stdout) as AuditReport;
    expect(alone.code).toBe(1);
    expect(aloneReport.violation_counts.retention).toBeGreaterThan(0);
    for (const v of aloneReport.violations) expect(v).toMatchObject({ rule: 'retention', detail: expect.stringContaining('standalone (never shipped)') });
  });

  it('a purge with nothing to do leaves the outbox as it was', async () => {
    const dir = tempDataDir();
    const outbox = await openOutbox(dir);
    await recordAll(outbox, mixedClicks(10));
    expect(await outbox.purgeExpired(30)).toBe(0);
    await outbox.close();
    expect(audit(dir)).toMatchObject({ ok: true, chain: { checkpoints: 0, rows: 10 } });
  });
});
