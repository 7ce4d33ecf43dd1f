/**
 * A policy weaker than the defaults (issue: /32, full UA, full referrer, DNT ignored) never
 * passes silently: serve warns per setting, status lists them, the privacy notice says what
 * they mean and no longer claims the full address is never recorded, and audit --strict
 * fails on them while plain audit passes with a warning.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/audit/report.js';
import { mixedClicks, policy, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { runCli, waitReady, freePort } from '../../support/child-service.js';
import { cli, dataDirEnv } from '../audit/cli.js';

const WEAK = {
  CLICKRELAY_PRIVACY_IPV4_PREFIX: '32',
  CLICKRELAY_PRIVACY_USER_AGENT: 'full',
  CLICKRELAY_PRIVACY_REFERRER: 'full',
  CLICKRELAY_PRIVACY_HONOR_DNT: 'false',
};
const KEYS = ['privacy.ipv4_prefix', 'privacy.user_agent', 'privacy.referrer', 'privacy.honor_dnt'];

describe('a weakened privacy policy', () => {
  it('serve warns once per weaker setting at start-up, and status lists them', async () => {
    const dir = tempDataDir();
    const admin = await freePort();
    const child = runCli(['serve'], dataDirEnv(dir, { ...WEAK, CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_SYNC_FILE: resolve('config/links.example.json') }));
    try {
      await waitReady(admin, child);
      const warns = child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; event: string; key: string; msg: string })
        .filter((l) => l.event === 'privacy_weakened');
      expect(warns.map((w) => w.key)).toEqual(KEYS);
      expect(warns.every((w) => w.level === 40)).toBe(true);
      expect(warns[0]!.msg).toContain('the full client IP address of every IPv4 click is recorded');

      const st = await cli(['status'], dataDirEnv(dir, WEAK));
      for (const k of KEYS) expect(st.stdout).toMatch(new RegExp(`! privacy  ${k.replace('.', '\\.')} = `));
      const json = JSON.parse((await cli(['status', '--json'], dataDirEnv(dir, WEAK))).stdout) as { privacy: { weakened: { key: string }[] } };
      expect(json.privacy.weakened.map((w) => w.key)).toEqual(KEYS);
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  });

  it('the privacy notice says what each weaker setting means and makes no false claim', async () => {
    const weak = await cli(['privacy-notice'], WEAK);
    expect(weak.code).toBe(0);
    expect(weak.stdout).toContain('## Settings weaker than the defaults');
    expect(weak.stdout).toContain('the full client IP address of every IPv4 click is recorded');
    expect(weak.stdout).toContain('The full User-Agent header is stored');
    expect(weak.stdout).toContain('Do Not Track (DNT: 1) is ignored');
    // The contradiction of the issue: /32 warned about, and "never the full address" claimed.
    expect(weak.stdout).not.toContain('The full client IP address (only the truncated prefix above, or nothing).');
    expect(weak.stdout).not.toContain('so the full address is never written anywhere');
    expect(weak.stdout).toContain('IPv4 addresses, however, are kept whole (/32)');

    const safe = await cli(['privacy-notice'], {});
    expect(safe.stdout).not.toContain('weaker than the defaults');
    expect(safe.stdout).toContain('The full client IP address (only the truncated prefix above, or nothing).');
    const json = JSON.parse((await cli(['privacy-notice', '--format', 'json'], WEAK)).stdout) as { weakened: { key: string }[] };
    expect(json.weakened.map((w) => w.key)).toEqual(KEYS);
  });

  it('audit passes with a warning, audit --strict fails naming the settings', async () => {
    const dir = tempDataDir();
    const p = policy({ ipv4_prefix: 32, user_agent: 'full', referrer: 'full', honor_dnt: false });
    await writeOutbox(dir, mixedClicks(20, p));

    const plain = await cli(['audit'], dataDirEnv(dir, WEAK));
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^clickrelay audit: PASSED — no violations, but 4 settings are weaker than the defaults/);
    for (const k of KEYS) expect(plain.stdout).toContain(`  ${k} = `);

    const strict = await cli(['audit', '--strict'], dataDirEnv(dir, WEAK));
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^clickrelay audit: FAILED — 0 violations of 0 rules — 4 settings weaker than the defaults \(--strict\)/);
    const report = JSON.parse((await cli(['audit', '--strict', '--json'], dataDirEnv(dir, WEAK))).stdout) as AuditReport;
    expect(report).toMatchObject({ ok: false, strict: true, violations: [] });
    expect(report.weakened_settings.map((w) => w.key)).toEqual(KEYS);

    // Defaults: --strict has nothing to fail on.
    const clean = tempDataDir();
    await writeOutbox(clean, mixedClicks(5));
    expect((await cli(['audit', '--strict'], dataDirEnv(clean))).code).toBe(0);
  });
});
