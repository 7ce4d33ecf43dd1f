/**
 * Each audit rule is caught on a deliberately corrupted outbox: built with the real writer,
 * corrupted through a separate connection (as someone with the sqlite3 shell would), or
 * written with values the normalizer would never produce (a bug: the chain is intact, the
 * values are not, and the privacy rules must still catch it).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAuditReport } from '../../../src/audit/index.js';
import { CLICK_COLUMNS, clickColumns } from '../../../src/outbox/columns.js';
import { audit, mixedClicks, named, policy, sqlite, storedClick, tempDataDir, writeOutbox } from './helpers.js';
import { ackClicks } from '../outbox/helpers.js';

const DAY = 86_400_000;
const CONTENT = CLICK_COLUMNS.join(', ');

function writeKeys(dir: string, days: string[], mode = 0o600): void {
  const file = join(dir, 'session-keys');
  writeFileSync(file, JSON.stringify(Object.fromEntries(days.map((d) => [d, 'ab'.repeat(32)]))), { mode });
  chmodSync(file, mode);
}
const utcDay = (msAgo: number, now = Date.now()) => new Date(now - msAgo).toISOString().slice(0, 10);

describe('audit of an untouched outbox', () => {
  it('passes clicks made by the real normalizer, and counts them by state, day, anonymity and bot flag', async () => {
    const dir = tempDataDir();
    const now = new Date('2025-08-30T12:00:00.000Z');
    const clicks = mixedClicks(60, policy(), (i) => new Date(now.getTime() - (i % 3) * DAY - 1000));
    await writeOutbox(dir, clicks, async (o) => {
      await ackClicks(o, clicks.slice(0, 20).map((c) => c.click_id), now);
      await o.deadLetter([{ click_id: clicks[25]!.click_id, reason: 'HTTP 422' }]);
    });
    writeKeys(dir, ['2025-08-29', '2025-08-30']);

    const r = audit(dir, { now });
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.counts).toEqual({
      total: 60,
      by_state: { pending: 39, shipped: 20, dead: 1 },
      by_day: { '2025-08-28': 20, '2025-08-29': 20, '2025-08-30': 20 },
      anonymous: clicks.filter((c) => c.anonymous).length,
      bots: clicks.filter((c) => c.metadata.bot).length,
      humans: clicks.filter((c) => !c.metadata.bot && !c.metadata.scanner).length,
      scanners: clicks.filter((c) => c.metadata.scanner).length,
    });
    expect(r.counts.anonymous).toBeGreaterThan(0);
    expect(r.counts.bots).toBeGreaterThan(0);
    const oldest = clicks.reduce((a, b) => (b.clicked_at < a.clicked_at ? b : a));
    expect(r.oldest).toMatchObject({ clicked_at: oldest.clicked_at, click_id: oldest.click_id });
    expect(r.chain).toEqual({ ok: true, rows: 60, last_seq: 60, checkpoints: 0, head_seq: 60 });
    expect(r.session_keys).toEqual({ oldest_age_hours: 36, mode: '600' });
    expect(r.policy).toMatchObject({ ipv4_prefix: 24, ipv6_prefix: 48, referrer: 'origin', user_agent: 'reduced', dnt_mode: 'count', retention_days: 30 });
  });

  it('fails an empty data folder: no outbox and no head is nothing audited (issue #16)', () => {
    const r = audit(tempDataDir());
    expect(r).toMatchObject({ ok: false, counts: { total: 0 }, oldest: null, chain: { ok: true, rows: 0 } });
    expect(r.violations.map((v) => v.rule)).toEqual(['outbox.missing', 'chain.head_missing']);
  });

  it('passes a new, empty outbox with its head', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, []);
    expect(audit(dir)).toMatchObject({ ok: true, counts: { total: 0 }, violations: [] });
  });

  it('passes normalizer output under every policy it is configured with', async () => {
    for (const over of [
      { ipv4_prefix: 16, ipv6_prefix: 32 },
      { referrer: 'full' },
      { referrer: 'none' },
      { user_agent: 'full' },
      { user_agent: 'none' },
      { ipv4_prefix: 32, ipv6_prefix: 128 },
    ] as const) {
      const p = policy(over);
      const dir = tempDataDir();
      await writeOutbox(dir, mixedClicks(20, p));
      expect({ over, violations: audit(dir, { policy: p }).violations }).toEqual({ over, violations: [] });
    }
  });
});

describe('privacy rules on the stored values', () => {
  it('names the click whose IP was edited back to a full address (ip_prefix, and the chain break)', async () => {
    const dir = tempDataDir();
    const clicks = mixedClicks(10);
    await writeOutbox(dir, clicks);
    sqlite(dir).prepare("UPDATE clicks SET ip_address = '203.0.113.77' WHERE seq = 4").run();
    const r = audit(dir);
    expect(r.ok).toBe(false);
    expect(named(r)).toEqual([`ip_prefix@${clicks[3]!.click_id}`, `chain.edited@${clicks[3]!.click_id}`]);
    expect(r.violations[0]).toMatchObject({ seq: 4, detail: expect.stringContaining('203.0.113.0') });
  });

  it('catches a full address even when it was written with a valid chain (the rules do not trust the chain)', async () => {
    const dir = tempDataDir();
    const bad = { ...storedClick(), ip_address: '2001:db8:85a3:8d3:1319:8a2e:370:7348' };
    const mapped = { ...storedClick(), ip_address: '::ffff:203.0.113.0' };
    const junk = { ...storedClick(), ip_address: 'localhost' };
    await writeOutbox(dir, [storedClick(), bad, mapped, junk]);
    const r = audit(dir);
    expect(r.chain.ok).toBe(true);
    expect(named(r)).toEqual([`ip_prefix@${bad.click_id}`, `ip_prefix@${mapped.click_id}`, `ip_prefix@${junk.click_id}`]);
    expect(r.violations[0]!.detail).toContain('/48');
  });

  it('checks addresses against the configured prefix: a /24 address breaks a /16 policy', async () => {
    const dir = tempDataDir();
    const c = storedClick({}, policy({ ipv4_prefix: 24 }));
    await writeOutbox(dir, [c]);
    expect(named(audit(dir, { policy: policy({ ipv4_prefix: 16 }) }))).toEqual([`ip_prefix@${c.click_id}`]);
  });

  it('names an anonymous (DNT/GPC) click that carries an IP, user agent, referrer or session', async () => {
    const dir = tempDataDir();
    const anon = storedClick({ dnt: '1' });
    const gpc = storedClick({ gpc: '1' });
    expect(anon.anonymous && anon.ip_address === null).toBe(true);
    await writeOutbox(dir, [anon, storedClick(), gpc]);
    sqlite(dir).prepare("UPDATE clicks SET ip_address = '203.0.113.0', session_id = 's_00' WHERE seq = 1").run();
    sqlite(dir).prepare("UPDATE clicks SET user_agent = 'Chrome 120; Windows', referrer_url = 'https://mail.google.com' WHERE seq = 3").run();
    const r = audit(dir);
    const anonymous = r.violations.filter((v) => v.rule === 'anonymous_personal_data');
    expect(anonymous.map((v) => [v.click_id, v.detail])).toEqual([
      [anon.click_id, expect.stringContaining('ip_address, session_id')],
      [gpc.click_id, expect.stringContaining('user_agent, referrer_url')],
    ]);
    expect(r.violation_counts['chain.edited']).toBe(2);
  });

  it('names a referrer edited past its configured form', async () => {
    const dir = tempDataDir();
    const clicks = [storedClick(), storedClick()];
    await writeOutbox(dir, clicks);
    sqlite(dir).prepare("UPDATE clicks SET referrer_url = 'https://mail.google.com/mail/u/0/#inbox/secret' WHERE seq = 2").run();
    const r = audit(dir);
    expect(named(r)).toContain(`referrer_form@${clicks[1]!.click_id}`);
    expect(r.violations.find((v) => v.rule === 'referrer_form')!.detail).toContain('"origin"');
  });

  it('flags any referrer when the policy is none, and a javascript: referrer under full', async () => {
    const dir = tempDataDir();
    const c = storedClick({}, policy({ referrer: 'origin' }));
    const js = { ...storedClick({}, policy({ referrer: 'full' })), referrer_url: 'javascript:alert(1)' };
    await writeOutbox(dir, [c, js]);
    expect(named(audit(dir, { policy: policy({ referrer: 'none' }) })).filter((n) => n.startsWith('referrer_form'))).toEqual([
      `referrer_form@${c.click_id}`,
      `referrer_form@${js.click_id}`,
    ]);
    expect(named(audit(dir, { policy: policy({ referrer: 'full' }) }))).toEqual([`referrer_form@${js.click_id}`]);
  });

  it('names a full user agent where reduced is configured, and any user agent where none is', async () => {
    const dir = tempDataDir();
    const full = storedClick({}, policy({ user_agent: 'full' }));
    const reduced = storedClick();
    await writeOutbox(dir, [full, reduced]);
    expect(full.user_agent).toContain('Mozilla/5.0');
    expect(named(audit(dir))).toEqual([`user_agent_form@${full.click_id}`]);
    expect(named(audit(dir, { policy: policy({ user_agent: 'none' }) }))).toEqual([`user_agent_form@${full.click_id}`, `user_agent_form@${reduced.click_id}`]);
    expect(named(audit(dir, { policy: policy({ user_agent: 'full' }) }))).toEqual([]);
  });

  it('names an extra metadata key, a bad metadata value and metadata that is not JSON, without stopping', async () => {
    const dir = tempDataDir();
    const clicks = [storedClick(), storedClick(), storedClick(), storedClick()];
    await writeOutbox(dir, clicks);
    const db = sqlite(dir);
    db.prepare(`UPDATE clicks SET metadata = '{"email":"jane@example.com","utm_source":"news"}' WHERE seq = 1`).run();
    db.prepare(`UPDATE clicks SET metadata = '{"utm_campaign":"${'x'.repeat(300)}","bot":false}' WHERE seq = 2`).run();
    db.prepare(`UPDATE clicks SET metadata = 'not json' WHERE seq = 3`).run();
    const r = audit(dir);
    expect(named(r).filter((n) => n.startsWith('metadata'))).toEqual([
      `metadata_keys@${clicks[0]!.click_id}`,
      `metadata_values@${clicks[1]!.click_id}`,
      `metadata_values@${clicks[2]!.click_id}`,
    ]);
    expect(r.violations[0]!.detail).toContain('"email"');
    expect(r.violations.find((v) => v.click_id === clicks[1]!.click_id && v.rule === 'metadata_values')!.detail).toMatch(/utm_campaign.*bot/);
    expect(r.counts.total).toBe(4);
  });

  it('names a click_source off the guide list', async () => {
    const dir = tempDataDir();
    const c = storedClick();
    await writeOutbox(dir, [c]);
    sqlite(dir).prepare("UPDATE clicks SET click_source = 'jane@example.com'").run();
    expect(named(audit(dir))).toEqual([`click_source@${c.click_id}`, `chain.edited@${c.click_id}`]);
  });
});

describe('retention', () => {
  const now = new Date('2025-08-30T12:00:00.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('names a shipped click and a dead letter past retention; a pending click may be older, and is a warning (#25)', async () => {
    const dir = tempDataDir();
    const [shippedOld, pendingOld, deadOld, shippedNew] = [40, 40, 40, 5].map((d) => storedClick({ receivedAt: ago(d * DAY) }));
    await writeOutbox(dir, [shippedOld!, pendingOld!, deadOld!, shippedNew!], async (o) => {
      await ackClicks(o, [shippedOld!.click_id, shippedNew!.click_id], ago(35 * DAY));
      await o.deadLetter([{ click_id: deadOld!.click_id, reason: 'HTTP 422' }]);
    });
    const r = audit(dir, { now });
    expect(named(r)).toEqual([`retention@${shippedOld!.click_id}`, `retention@${deadOld!.click_id}`]);
    expect(r.violations[0]).toMatchObject({ seq: 1, detail: expect.stringContaining(shippedOld!.clicked_at) });
    expect(r.violations[1]).toMatchObject({ seq: 3, detail: expect.stringContaining('dead letter') });
    expect(r.warnings).toEqual([{ kind: 'pending_past_retention', count: 1, detail: expect.stringContaining(pendingOld!.clicked_at) }]);
  });

  it('gives the hourly purge its hour: just past retention, or shipped minutes ago, is not yet a violation', async () => {
    const dir = tempDataDir();
    const edge = storedClick({ receivedAt: ago(30 * DAY + 30 * 60_000) }); // 30 days and 30 minutes
    const late = storedClick({ receivedAt: ago(45 * DAY) }); // pending for 45 days, shipped 10 minutes ago
    await writeOutbox(dir, [edge, late], async (o) => {
      await ackClicks(o, [edge.click_id], ago(29 * DAY));
      await ackClicks(o, [late.click_id], ago(10 * 60_000));
    });
    expect(audit(dir, { now }).violations).toEqual([]);
    expect(named(audit(dir, { now: new Date(now.getTime() + 2 * 3_600_000) }))).toEqual([`retention@${edge.click_id}`, `retention@${late.click_id}`]);
  });

  it('in standalone mode holds pending clicks to retention too (nothing will ever ship them)', async () => {
    const dir = tempDataDir();
    const [pendingOld, pendingNew] = [40, 5].map((d) => storedClick({ receivedAt: ago(d * DAY) }));
    await writeOutbox(dir, [pendingOld!, pendingNew!]);
    expect(audit(dir, { now }).ok).toBe(true);
    const r = audit(dir, { now, standalone: true });
    expect(named(r)).toEqual([`retention@${pendingOld!.click_id}`]);
    expect(r.violations[0]!.detail).toContain('standalone (never shipped)');
  });

  it('counts retention from the configured number of days', async () => {
    const dir = tempDataDir();
    const c = storedClick({ receivedAt: ago(10 * DAY) });
    await writeOutbox(dir, [c], (o) => ackClicks(o, [c.click_id], ago(9 * DAY)));
    expect(audit(dir, { now, retentionDays: 30 }).ok).toBe(true);
    expect(named(audit(dir, { now, retentionDays: 7 }))).toEqual([`retention@${c.click_id}`]);
  });
});

describe('the chain, through the audit', () => {
  it('names a deleted row as missing positions', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(10));
    sqlite(dir).prepare('DELETE FROM clicks WHERE seq = 5').run();
    const r = audit(dir);
    expect(r.violations).toEqual([expect.objectContaining({ rule: 'chain.deleted', seq: 5, click_id: null })]);
    expect(formatAuditReport(r)).toContain('chain.deleted (1)');
  });

  it('names an inserted row by its click id', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(3));
    const forged = storedClick();
    sqlite(dir)
      .prepare(`INSERT INTO clicks (seq, ${CONTENT}, chain_hash) VALUES (4, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(...clickColumns(forged), 'f'.repeat(64));
    expect(named(audit(dir))).toEqual([`chain.inserted@${forged.click_id}`]);
  });

  it('names both rows of a swapped pair', async () => {
    const dir = tempDataDir();
    const clicks = mixedClicks(8);
    await writeOutbox(dir, clicks);
    const db = sqlite(dir);
    db.transaction(() => {
      db.prepare('UPDATE clicks SET seq = 100 WHERE seq = 4').run();
      db.prepare('UPDATE clicks SET seq = 4 WHERE seq = 5').run();
      db.prepare('UPDATE clicks SET seq = 5 WHERE seq = 100').run();
    })();
    const r = audit(dir);
    expect(new Set(r.violations.map((v) => v.rule))).toEqual(new Set(['chain.reordered']));
    expect(r.violations.map((v) => v.click_id).sort()).toEqual([clicks[3]!.click_id, clicks[4]!.click_id].sort());
  });

  it('catches a cut-off tail', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(10));
    sqlite(dir).prepare('DELETE FROM clicks WHERE seq > 7').run();
    const r = audit(dir);
    expect(r.violations).toEqual([expect.objectContaining({ rule: 'chain.tail_cut', seq: 8 })]);
    expect(r.chain).toMatchObject({ ok: false, last_seq: 7, head_seq: 10 });
  });
});

describe('session keys', () => {
  it('names a key older than 48 h left in session-keys', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(2));
    const stale = utcDay(3 * DAY);
    writeKeys(dir, [stale, utcDay(0)]);
    const r = audit(dir);
    expect(r.violations).toEqual([expect.objectContaining({ rule: 'session_key_age', click_id: null, seq: null, detail: expect.stringContaining(stale) })]);
    expect(r.session_keys.oldest_age_hours).toBeGreaterThan(72);
  });

  it('accepts yesterday\'s key, which the store keeps for clicks queued across midnight', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, []);
    writeKeys(dir, [utcDay(DAY), utcDay(0)]);
    expect(audit(dir).ok).toBe(true);
  });

  it('names a session-keys file others can read', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, []);
    writeKeys(dir, [utcDay(0)], 0o644);
    expect(audit(dir).violations).toEqual([expect.objectContaining({ rule: 'session_key_mode', detail: expect.stringContaining('644') })]);
  });
});

describe('the report', () => {
  it('counts every violation but lists only so many per rule, and the human report says how many more', async () => {
    const dir = tempDataDir();
    const clicks = Array.from({ length: 30 }, () => ({ ...storedClick(), ip_address: '203.0.113.77' }));
    await writeOutbox(dir, clicks);
    const r = audit(dir, { maxListedPerRule: 5 });
    expect(r.violation_counts).toEqual({ ip_prefix: 30 });
    expect(r.violations).toHaveLength(5);
    expect(r.violations_truncated).toBe(true);
    const text = formatAuditReport(r, 5);
    expect(text).toContain('FAILED — 30 violations of 1 rule');
    expect(text).toContain('ip_prefix (30)');
    expect(text).toContain(clicks[0]!.click_id);
    expect(text).not.toContain(clicks[5]!.click_id);
    expect(text).toContain('… and 25 more');
  });

  it('groups violations by rule in a fixed order, whatever order they were found in', async () => {
    const dir = tempDataDir();
    const clicks = [storedClick(), storedClick(), storedClick()];
    await writeOutbox(dir, clicks);
    sqlite(dir).prepare(`UPDATE clicks SET metadata = '{"x":"1"}' WHERE seq = 1`).run();
    sqlite(dir).prepare(`UPDATE clicks SET ip_address = '203.0.113.9' WHERE seq = 3`).run();
    const r = audit(dir);
    expect(r.violations.map((v) => v.rule)).toEqual(['ip_prefix', 'metadata_keys', 'chain.edited', 'chain.edited']);
    const text = formatAuditReport(r);
    expect(text.indexOf('ip_prefix (1)')).toBeLessThan(text.indexOf('metadata_keys (1)'));
    expect(text.indexOf('metadata_keys (1)')).toBeLessThan(text.indexOf('chain.edited (2)'));
  });
});
