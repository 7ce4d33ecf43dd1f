/**
 * Tests that need a program from outside npm (PostgreSQL's initdb, Chromium, promtool)
 * skip with a reason that says what to install — except under CI (`CI=true`), where a
 * missing program is a failure: CI's .ci/run installs them, so a skip there would hide
 * a broken install step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Requirement {
  /** The path found, or null. */
  path: string | null;
  /** Why the tests skip, when `path` is null. */
  reason: string;
}

/** Finds `name` on PATH (or at one of `candidates`); `install` says what provides it. */
export function findProgram(name: string, install: string, candidates: string[] = []): Requirement {
  for (const c of candidates) if (existsSync(c)) return { path: c, reason: '' };
  try {
    const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    if (path) return { path, reason: '' };
  } catch {
    /* not on PATH */
  }
  return { path: null, reason: `${name} is not installed: ${install}` };
}

/**
 * For `describe.skipIf(!req.path)`: returns true when the tests should skip, and throws
 * under CI so a missing program fails the run instead of passing it quietly.
 */
export function skipUnless(req: Requirement): boolean {
  if (req.path) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${req.reason}`);
  console.warn(`skipped: ${req.reason}`);
  return true;
}

export const chromium = (): Requirement =>
  findProgram('chromium', 'apt-get install -y chromium (Debian), then npm test again', ['/usr/bin/chromium']);

export const initdb = (): Requirement =>
  findProgram('initdb', 'apt-get install -y postgresql (Debian), then npm test again', [
    '/usr/lib/postgresql/17/bin/initdb',
    '/usr/lib/postgresql/16/bin/initdb',
    '/usr/lib/postgresql/15/bin/initdb',
  ]);

export const promtool = (): Requirement =>
  findProgram('promtool', 'apt-get install -y prometheus (Debian), then npm test again');

export const natsServer = (): Requirement =>
  findProgram('nats-server', 'apt-get install -y nats-server (Debian), then npm test again', ['/usr/sbin/nats-server']);
