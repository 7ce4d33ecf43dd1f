/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), so stdout and stderr are
 * TTYs as they are for a person at a console: what progress bars and pretty logs need.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { CLI } from '../../support/child-service.js';
import { findProgram } from '../../support/requires.js';

export const scriptProgram = findProgram('script', 'apt-get install -y bsdutils (util-linux script)');

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Everything the terminal showed (stdout and stderr interleaved), and the exit code. */
export function onTty(args: string[], env: Record<string, string>, opts: { killAfterMs?: number; stopWhen?: RegExp } = {}): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const proc = spawn(scriptProgram.path!, ['-qfec', cmd, '/dev/null'], { cwd: tmpdir(), env: { ...process.env, CLICKRELAY_CONFIG: '', TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    let stopped = false;
    proc.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      // SIGINT once the awaited line is on screen (a fixed delay is too short on a busy machine).
      if (opts.stopWhen && !stopped && opts.stopWhen.test(screen)) {
        stopped = true;
        proc.kill('SIGINT');
      }
    });
    proc.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    proc.on('error', reject);
    const timer = opts.killAfterMs ? setTimeout(() => proc.kill('SIGINT'), opts.killAfterMs) : null;
    proc.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}
