/** The notice is generated from the configuration in force: change the config, the notice changes. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPrivacyNotice, renderPrivacyNoticeMarkdown } from '../../../src/notice/index.js';
import type { PrivacyNotice } from '../../../src/notice/privacy-notice.js';
import { loadConfig } from '../../../src/config/load.js';

function notice(env: Record<string, string> = {}): PrivacyNotice {
  const cwd = mkdtempSync(join(tmpdir(), 'cr-notice-'));
  return buildPrivacyNotice(loadConfig({ env, cwd }), new Date('2025-08-30T12:00:00.000Z'));
}
const field = (n: PrivacyNotice, name: string) => n.fields.find((f) => f.field === name)!;
const md = (env: Record<string, string> = {}) => renderPrivacyNoticeMarkdown(notice(env));

describe('privacy notice', () => {
  it('shows IPv4 truncation with a worked example for the configured prefix', () => {
    expect(field(notice(), 'ip_address').form).toContain('IPv4 truncated to /24: 203.0.113.77 → 203.0.113.0');
    expect(field(notice({ CLICKRELAY_PRIVACY_IPV4_PREFIX: '16' }), 'ip_address').form).toContain('IPv4 truncated to /16: 203.0.113.77 → 203.0.0.0');
    expect(md({ CLICKRELAY_PRIVACY_IPV4_PREFIX: '16' })).toContain('`203.0.113.77` → `203.0.0.0`');
    expect(field(notice(), 'ip_address').form).toContain('IPv6 truncated to /48: 2001:db8:85a3:8d3:1319:8a2e:370:7348 → 2001:db8:85a3::');
  });

  it('warns when a prefix keeps the whole address', () => {
    expect(field(notice({ CLICKRELAY_PRIVACY_IPV4_PREFIX: '32' }), 'ip_address').form).toContain('WARNING');
    expect(field(notice(), 'ip_address').form).not.toContain('WARNING');
  });

  it('says DNT/GPC clicks are counted without personal data, or not recorded at all under drop', () => {
    expect(notice().do_not_track).toMatchObject({ mode: 'count', text: expect.stringContaining('counted without personal data') });
    const drop = notice({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop' });
    expect(drop.do_not_track).toMatchObject({ mode: 'drop', text: expect.stringContaining('nothing about it is recorded') });
    expect(md({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop' })).toContain('nothing about it is recorded');
    expect(notice({ CLICKRELAY_PRIVACY_HONOR_DNT: 'false', CLICKRELAY_PRIVACY_HONOR_GPC: 'false' }).do_not_track.text).toContain('NOT honoured');
  });

  it('follows the referrer and user-agent settings, examples computed by the real normalizer', () => {
    expect(field(notice(), 'referrer_url')).toMatchObject({ stored: 'unless anonymous', example: { stored: 'https://mail.google.com' } });
    expect(field(notice({ CLICKRELAY_PRIVACY_REFERRER: 'none' }), 'referrer_url')).toMatchObject({ stored: 'never', form: expect.stringContaining('Not stored'), example: { stored: '(nothing)' } });
    expect(field(notice({ CLICKRELAY_PRIVACY_REFERRER: 'full' }), 'referrer_url').example!.stored).toBe('https://mail.google.com/mail/u/0/?search=inbox');
    expect(field(notice(), 'user_agent').example!.stored).toBe('Chrome 120; Windows');
    expect(field(notice({ CLICKRELAY_PRIVACY_USER_AGENT: 'none' }), 'user_agent').stored).toBe('never');
  });

  it('names where clicks go: the main system host, or nowhere when standalone', () => {
    const standalone = notice();
    expect(standalone.recipients).toEqual({ main_system_host: null, text: expect.stringContaining('Nowhere: standalone') });
    expect(standalone.retention.text[0]).toContain('Standalone mode');
    expect(standalone.retention.text[0]).toContain('deleted from this server 30 days after the click');
    const shipping = notice({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com', CLICKRELAY_PRIVACY_RETENTION_DAYS: '14' });
    expect(shipping.recipients).toEqual({ main_system_host: 'jobs.example.com', text: expect.stringContaining('jobs.example.com') });
    expect(shipping.retention).toMatchObject({ shipped_days: 14, text: expect.arrayContaining([expect.stringContaining('14 days after the click')]) });
    expect(field(shipping, 'click_source').form).toContain('jobs.example.com counts as dashboard');
  });

  it('covers cookies, bots, session-id rotation and the query allow-list', () => {
    const n = notice();
    // The opt-out cookie (issue #15) is the one exception, and carries no identifier.
    expect(n.cookies).toMatch(/^None, except the opt-out cookie: clickrelay_opt_out=1,/);
    expect(n.bots).toContain('"bot": true');
    expect(n.session_ids).toMatchObject({ key_rotation: 'daily (UTC)', key_deleted_after_hours: 48 });
    expect(field(n, 'metadata').example!.stored).toBe('{"utm_source":"newsletter"}');
    expect(field(n, 'session_id').example!.stored).toMatch(/^s_[0-9a-f]{32}$/);
  });

  it('renders Markdown a reviewer can file: every field in the table, every section present', () => {
    const text = md({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' });
    for (const f of notice().fields) expect(text).toContain(`| \`${f.field}\` |`);
    for (const h of ['## What is recorded for each click', '## Do Not Track and Global Privacy Control', '## Cookies', '## Session identifiers', '## How long', '## Where it is sent', '## Configuration in force']) {
      expect(text).toContain(h);
    }
    for (const line of text.split('\n').filter((l) => l.startsWith('| `'))) expect(line.split(/(?<!\\)\|/).length).toBeGreaterThanOrEqual(4);
  });

  it('knows the scanner, country, prefetch and opt-out rules, from the config in force (issue #15)', () => {
    const n = notice();
    expect(n.scanners).toContain('Safe Links');
    expect(n.prefetch).toContain('Sec-Purpose: prefetch');
    expect(n.country).toContain('privacy.country = "off"');
    expect(field(n, 'metadata').form).toContain('"scanner"');
    expect(field(n, 'metadata').form).not.toContain('"country"');
    expect(field(n, 'metadata').form).toContain('UTM values are kept exactly as the sender wrote them');
    expect(n.opt_out).toMatchObject({ page: '/privacy/opt-out', undo: '/privacy/opt-in', text: expect.stringContaining('counted without personal data') });
    expect(notice({ CLICKRELAY_PRIVACY_DNT_MODE: 'drop' }).opt_out.text).toContain('not recorded at all');

    const on = notice({ CLICKRELAY_PRIVACY_COUNTRY: 'country', CLICKRELAY_PRIVACY_UTM_TERM_CONTENT: 'hash', CLICKRELAY_PRIVACY_SCANNER_RANGES: 'acme=198.18.0.0/15' });
    expect(on.country).toContain('ISO 3166-1 two-letter');
    expect(field(on, 'metadata').form).toContain('"country"');
    expect(field(on, 'metadata').form).toContain('keyed hash');
    expect(on.settings).toMatchObject({ 'privacy.country': 'country', 'privacy.utm_term_content': 'hash', 'privacy.scanner_ranges': ['acme=198.18.0.0/15'] });
    const text = renderPrivacyNoticeMarkdown(on);
    for (const heading of ['## E-mail security scanners', '## Prefetches', '## Country', '## Opting out']) expect(text).toContain(heading);
  });

  it('says what links clicks across days although session_id does not, and that personal data in UTM values is not stored (#25)', () => {
    const n = notice();
    const session = field(n, 'session_id').form;
    expect(session).not.toMatch(/cannot be (reversed or )?linked across days/);
    expect(session).toContain('does not make a visitor\'s clicks unlinkable across days');
    expect(session).toContain('the truncated address (the network, /24 or /48) and the reduced user agent');
    expect(n.session_ids.text).toContain('the reduced user agent');
    expect(n.session_ids.text).not.toContain('cannot be linked across days');
    expect(field(notice({ CLICKRELAY_PRIVACY_USER_AGENT: 'none' }), 'session_id').form).not.toContain('user agent (');
    for (const mode of ['keep', 'drop', 'hash']) expect(field(notice({ CLICKRELAY_PRIVACY_UTM_TERM_CONTENT: mode }), 'metadata').form).toContain('"[redacted:email]" or "[redacted:phone]"');
    expect(notice({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com' }).retention.text.join(' ')).toContain('deleted 30 days after the click at the latest');
    const text = renderPrivacyNoticeMarkdown(n);
    expect(text).toContain('unlinkable across days');
  });
});
