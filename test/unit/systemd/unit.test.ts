import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT = resolve('systemd/clickrelay.service');
const DROP_IN = resolve('systemd/clickrelay.service.d/bind-low-ports.conf.example');

/** Runs systemd-analyze; it exits non-zero for findings, so capture output either way. */
function analyze(args: string[], cwd: string): string {
  try {
    return execFileSync('systemd-analyze', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('systemd-analyze is not installed (Debian: apt-get install systemd)');
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

function exposure(dir: string): number {
  const out = analyze(['security', '--offline=yes', './clickrelay.service'], dir);
  const m = /Overall exposure level for clickrelay\.service: ([\d.]+)/.exec(out);
  if (!m) throw new Error(`no exposure level in:\n${out}`);
  return Number(m[1]);
}

describe('systemd unit', () => {
  it('parses cleanly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-unit-'));
    copyFileSync(UNIT, join(dir, 'clickrelay.service'));
    const out = analyze(['verify', '--man=no', './clickrelay.service'], dir);
    expect(out.split('\n').filter((l) => /clickrelay\.service/.test(l) && !/not executable|No such file/.test(l))).toEqual([]);
  });

  it('scores at most 1.5 in systemd-analyze security, with and without the low-port drop-in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-unit-'));
    copyFileSync(UNIT, join(dir, 'clickrelay.service'));
    expect(exposure(dir)).toBeLessThanOrEqual(1.5);
    mkdirSync(join(dir, 'clickrelay.service.d'));
    copyFileSync(DROP_IN, join(dir, 'clickrelay.service.d', 'bind-low-ports.conf'));
    expect(exposure(dir)).toBeLessThanOrEqual(1.5);
  });

  it('the README quotes the exposure level systemd-analyze security prints for the unit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-unit-'));
    copyFileSync(UNIT, join(dir, 'clickrelay.service'));
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const quoted = /sandbox scoring ([\d.]+) in `systemd-analyze security`/.exec(readme);
    expect(quoted, 'README: "a sandbox scoring N in `systemd-analyze security`"').not.toBeNull();
    expect(Number(quoted![1])).toBe(exposure(dir));
  });

  it('runs serve as a dynamic user with state, config and the API key as a credential', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of ['DynamicUser=yes', 'StateDirectory=clickrelay', 'ConfigurationDirectory=clickrelay', 'LoadCredential=main_system_api_key:', 'Restart=on-failure', 'TimeoutStopSec='])
      expect(unit).toContain(line);
    expect(unit).toMatch(/^ExecStart=.*dist\/cli\/main\.js serve --config \/etc\/clickrelay\/clickrelay\.toml$/m);
    expect(unit).not.toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE/m);
  });

  it('does not restart-loop on a configuration error (exit 2), caps memory and shows an address allow-list', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^MemoryMax=\d+[KMG]$/m);
    expect(unit).toMatch(/^#IPAddressDeny=any$/m);
    expect(unit).toMatch(/^#IPAddressAllow=localhost /m);
  });

  it('lets the mirror thread lower its priority: setpriority is allowed again after the @resources deny list', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const filters = [...unit.matchAll(/^SystemCallFilter=(.*)$/gm)].map((m) => m[1]!);
    const denies = filters.findIndex((f) => f.startsWith('~') && f.split(/\s+/).includes('@resources'));
    expect(denies).toBeGreaterThan(0); // after the @system-service allow list, so it removes from it
    expect(analyze(['syscall-filter', '@resources'], tmpdir())).toMatch(/^\s+setpriority$/m); // what the deny list takes away
    expect(filters.slice(denies + 1)).toContain('setpriority'); // and the later allow puts back
  });
});
