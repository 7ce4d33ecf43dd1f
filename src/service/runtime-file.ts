/**
 * `<data_dir>/serve.json`: what the running `serve` is (pid, uWS build, ports, start time),
 * so `clickrelay status` — another process — can say which native build is serving.
 * Removed on a clean stop; a stale one is recognised by its dead pid.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { UwsBuild } from '../redirect/uws.js';

export const RUNTIME_FILE = 'serve.json';

export interface RuntimeInfo {
  pid: number;
  started_at: string;
  node: string;
  uws_build: UwsBuild;
  public_port: number;
  admin_port: number;
  tls: boolean;
}

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): void {
  writeFileAtomic(join(dataDir, RUNTIME_FILE), JSON.stringify(info, null, 2) + '\n', { durable: false });
}

export function removeRuntimeFile(dataDir: string): void {
  rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

/** The running serve's info, or null when none runs (no file, or its pid is gone). */
export function readRuntimeFile(dataDir: string): RuntimeInfo | null {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
  try {
    process.kill(info.pid, 0);
    return info;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? info : null;
  }
}
