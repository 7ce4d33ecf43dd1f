/** Runs the built CLI (`node dist/cli/main.js …`) on a data folder and captures what it said. */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { assertBuilt, CLI } from '../../support/child-service.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cliPath`: another install of the built CLI (test/support/service-user.ts). */
export function cli(args: string[], env: Record<string, string>, cliPath = CLI): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    // Runs in the OS temp folder with CLICKRELAY_CONFIG empty: no config file is picked up by accident.
    const proc = spawn(process.execPath, [cliPath, ...args], { cwd: tmpdir(), env: { ...process.env, CLICKRELAY_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => err.push(d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

export const dataDirEnv = (dir: string, more: Record<string, string> = {}): Record<string, string> => ({ CLICKRELAY_STORAGE_DATA_DIR: dir, ...more });
