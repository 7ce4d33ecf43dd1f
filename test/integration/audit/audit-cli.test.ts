/**
 * `clickrelay audit` through the real CLI on real outbox files: each corruption makes it
 * exit 1 naming the click id and the rule, in the report and in --json.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/audit/report.js';
import { CLICK_COLUMNS, clickColumns } from '../../../src/outbox/columns.js';
import { policyFromConfig } from '../../../src/privacy/index.js';
import { mixedClicks, policy, PRIVACY_DEFAULTS, sqlite, storedClick, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { ackClicks } from '../../unit/outbox/helpers.js';
import { cli, dataDirEnv } from './cli.js';

const DAY = 86_400_000;
const CONTENT = CLICK_COLUMNS.join(', ');

async function auditJson(dir: string, env: Record<string, string> = {}): Promise<{ code: number | null; report: AuditReport }> {
  const r = await cli(['audit', '--json'], dataDirEnv(dir, env));
  return { code: r.code, report: JSON.parse(r.stdout) as AuditReport };
}

describe('clickrelay audit', () => {
  it('exits 0 on an untouched outbox and prints counts, the oldest record and the policy', async () => {
    const dir = tempDataDir();
    const clicks = mixedClicks(25);
    await writeOutbox(dir, clicks);
    const r = await cli(['audit'], dataDirEnv(dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASSED');
    expect(r.stdout).toMatch(/records\s+25 \(25 pending, 0 shipped, 0 dead letters\)/);
    expect(r.stdout).toContain('IPv4 /24, IPv6 /48; referrer origin; user agent reduced');
    expect(r.stdout).toContain(clicks[0]!.click_id); // the oldest
    const { code, report } = await auditJson(dir);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, counts: { total: 25 }, chain: { ok: true, rows: 25, last_seq: 25 }, violations: [], violation_counts: {} });
  });

  it('exits 1 naming each offending click id and rule, grouped by rule', async () => {
    const dir = tempDataDir();
    const clicks = mixedClicks(12).map((c) => (c.anonymous ? storedClick() : c));
    await writeOutbox(dir, clicks);
    const db = sqlite(dir);
    db.prepare("UPDATE clicks SET ip_address = '198.51.100.23' WHERE seq = 2").run(); // edited IP
    db.prepare("UPDATE clicks SET referrer_url = 'https://www.linkedin.com/in/jane-doe?trk=secret' WHERE seq = 5").run(); // edited referrer
    db.prepare(`UPDATE clicks SET user_agent = ? WHERE seq = 8`).run('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'); // full UA
    db.prepare(`UPDATE clicks SET metadata = '{"utm_source":"x","gclid":"abc"}' WHERE seq = 11`).run(); // extra key
    db.close();

    const r = await cli(['audit'], dataDirEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED');
    for (const [rule, i] of [['ip_prefix', 1], ['referrer_form', 4], ['user_agent_form', 7], ['metadata_keys', 10]] as const) {
      const section = r.stdout.slice(r.stdout.indexOf(`  ${rule} (1)`));
      expect(section.split('\n').slice(0, 2).join('\n')).toContain(clicks[i]!.click_id);
    }
    expect(r.stdout).toContain('chain.edited (4)');

    const { code, report } = await auditJson(dir);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        { rule: 'ip_prefix', click_id: clicks[1]!.click_id, seq: 2, detail: expect.any(String) },
        { rule: 'referrer_form', click_id: clicks[4]!.click_id, seq: 5, detail: expect.any(String) },
        { rule: 'user_agent_form', click_id: clicks[7]!.click_id, seq: 8, detail: expect.any(String) },
        { rule: 'metadata_keys', click_id: clicks[10]!.click_id, seq: 11, detail: expect.stringContaining('gclid') },
      ]),
    );
    expect(report.violation_counts).toEqual({ ip_prefix: 1, referrer_form: 1, user_agent_form: 1, metadata_keys: 1, 'chain.edited': 4 });
  });

  it('exits 1 on a deleted row, an inserted row, swapped rows and a cut tail', async () => {
    const cases: [string, (dir: string) => void, string][] = [
      ['deleted', (dir) => sqlite(dir).prepare('DELETE FROM clicks WHERE seq = 3').run(), 'chain.deleted'],
      [
        'inserted',
        (dir) => {
          const forged = storedClick();
          sqlite(dir).prepare(`INSERT INTO clicks (seq, ${CONTENT}, chain_hash) VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...clickColumns(forged), '0'.repeat(64));
        },
        'chain.inserted',
      ],
      [
        'swapped',
        (dir) => {
          const db = sqlite(dir);
          db.transaction(() => {
            db.prepare('UPDATE clicks SET seq = 100 WHERE seq = 2').run();
            db.prepare('UPDATE clicks SET seq = 2 WHERE seq = 3').run();
            db.prepare('UPDATE clicks SET seq = 3 WHERE seq = 100').run();
          })();
        },
        'chain.reordered',
      ],
      ['cut tail', (dir) => sqlite(dir).prepare('DELETE FROM clicks WHERE seq > 4').run(), 'chain.tail_cut'],
    ];
    for (const [name, corrupt, rule] of cases) {
      const dir = tempDataDir();
      await writeOutbox(dir, mixedClicks(6));
      corrupt(dir);
      const { code, report } = await auditJson(dir);
      expect({ name, code, rules: Object.keys(report.violation_counts) }).toEqual({ name, code: 1, rules: [rule] });
    }
  });

  it('exits 1 on a stale session key and on a shipped row past retention', async () => {
    const dir = tempDataDir();
    const old = storedClick({ receivedAt: new Date(Date.now() - 45 * DAY) });
    await writeOutbox(dir, [old, storedClick()], (o) => ackClicks(o, [old.click_id], new Date(Date.now() - 40 * DAY)));
    const staleDay = new Date(Date.now() - 4 * DAY).toISOString().slice(0, 10);
    writeFileSync(join(dir, 'session-keys'), JSON.stringify({ [staleDay]: 'cd'.repeat(32) }));
    chmodSync(join(dir, 'session-keys'), 0o600);
    const { code, report } = await auditJson(dir);
    expect(code).toBe(1);
    expect(report.violations.map((v) => [v.rule, v.click_id])).toEqual([
      ['retention', old.click_id],
      ['session_key_age', null],
    ]);
    // the same outbox under a longer retention: only the key is left
    const longer = await auditJson(dir, { CLICKRELAY_PRIVACY_RETENTION_DAYS: '60' });
    expect(longer.report.violations.map((v) => v.rule)).toEqual(['session_key_age']);
  });

  it('checks against the configuration in force, and says which', async () => {
    const dir = tempDataDir();
    const c = storedClick();
    await writeOutbox(dir, [c]);
    const { code, report } = await auditJson(dir, { CLICKRELAY_PRIVACY_IPV4_PREFIX: '16', CLICKRELAY_PRIVACY_REFERRER: 'none' });
    expect(code).toBe(1);
    expect(report.policy).toMatchObject({ ipv4_prefix: 16, referrer: 'none' });
    expect(report.violations.map((v) => `${v.rule}@${v.click_id}`)).toEqual([`ip_prefix@${c.click_id}`, `referrer_form@${c.click_id}`]);
  });

  it('exits 2 on a bad argument', async () => {
    const r = await cli(['audit', '--limit', 'lots'], dataDirEnv(tempDataDir()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit "lots"');
  });

  it('fails on a stored country where privacy.country = "off", passes it where "country", and flags an e-mail address in a UTM value', async () => {
    const dir = tempDataDir();
    const withCountry = policy({ country: 'country' }, 'https://jobs.example.com');
    const countryOf = policyFromConfig({ ...PRIVACY_DEFAULTS, country: 'country' }, 'https://jobs.example.com', { countryOf: () => 'DE' });
    // The address as a build before #25 stored it (this one stores a marker): written verbatim.
    const clicks = [storedClick({}, countryOf), { ...storedClick({}, withCountry), metadata: { utm_term: 'jane.doe@example.com' } }];
    await writeOutbox(dir, clicks);
    const off = await auditJson(dir);
    expect(off.code).toBe(1);
    expect(off.report.violation_counts).toEqual({ country_off: 1, utm_personal_data: 1 });
    expect(off.report.violations.find((v) => v.rule === 'country_off')).toMatchObject({ click_id: clicks[0]!.click_id });
    const r = await cli(['audit'], dataDirEnv(dir));
    expect(r.stdout).not.toContain('jane.doe'); // the report says what it looks like, not what it is
    const on = await auditJson(dir, { CLICKRELAY_PRIVACY_COUNTRY: 'country' });
    expect(on.report.violation_counts).toEqual({ utm_personal_data: 1 });
  });
});
