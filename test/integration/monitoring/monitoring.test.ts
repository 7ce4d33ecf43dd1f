/**
 * The monitoring files shipped in docs/monitoring/: the alert rules load in Prometheus
 * (`promtool check rules`) and behave as their unit tests say (`promtool test rules`:
 * a stalled shipper alerts, standalone clicks kept for a month do not), and every metric
 * the rules and the Grafana dashboard use is one a running serve exports.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { promtool, skipUnless } from '../../support/requires.js';
import { tempDataDir } from '../../unit/audit/helpers.js';

const DIR = resolve('docs/monitoring');
const RULES = resolve(DIR, 'clickrelay-alerts.yml');
const DASHBOARD = resolve(DIR, 'clickrelay-grafana.json');
const prom = promtool();

function run(args: string[]): string {
  try {
    return execFileSync(prom.path!, args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** clickrelay_* names in a PromQL text. */
const metricNames = (text: string): string[] => [...new Set(text.match(/\bclickrelay_[a-z0-9_]+/g) ?? [])];

describe.skipIf(skipUnless(prom))('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(run(['check', 'rules', RULES])).toMatch(/SUCCESS: 6 rules found/);
  });

  it('pass their promtool unit tests (stalled shipping alerts; standalone kept clicks do not)', () => {
    expect(run(['test', 'rules', 'clickrelay-alerts.test.yml'])).toContain('SUCCESS');
  });
});

describe('rules and dashboard use metrics serve exports', () => {
  let child: Child;
  let exported: Set<string>;

  beforeAll(async () => {
    const admin = await freePort();
    child = runCli(['serve'], { CLICKRELAY_STORAGE_DATA_DIR: tempDataDir(), CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_SYNC_FILE: resolve('config/links.example.json') });
    await waitReady(admin, child);
    const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    // Families from # TYPE lines, plus the _bucket/_sum/_count series of histograms.
    exported = new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]!));
    for (const m of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(m[1]!);
  }, 30_000);

  afterAll(async () => {
    child?.proc.kill('SIGTERM');
    await child?.exited;
  });

  it('the alert rules', () => {
    const used = metricNames(readFileSync(RULES, 'utf8'));
    expect(used.length).toBeGreaterThan(4);
    expect(used.filter((m) => !exported.has(m))).toEqual([]);
  });

  it('the Grafana dashboard (valid JSON, one Prometheus data-source input)', () => {
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { __inputs: { pluginId: string }[]; panels: { targets: { expr: string }[] }[] };
    expect(dash.__inputs.map((i) => i.pluginId)).toEqual(['prometheus']);
    const used = metricNames(dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n'));
    expect(used).toContain('clickrelay_outbox_kept_local');
    expect(used.filter((m) => !exported.has(m))).toEqual([]);
  });
});
