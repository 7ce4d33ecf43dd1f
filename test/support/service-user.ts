/**
 * A data folder owned by another user, as under systemd (the service runs as its own user, the
 * operator's commands as root). The tests run as root; `nobody` stands for the service user.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SERVICE_USER = { uid: 65534, gid: 65534 };

/** Why a root-vs-service-user test cannot run here, or '' when it can. */
export function serviceUserUnavailable(): string {
  if (process.getuid?.() !== 0) return 'not root: these tests run commands as root against a folder owned by nobody';
  return '';
}

/** A fresh base folder (0755, so `nobody` can reach into it) and a data folder in it owned by nobody, 0700. */
export function serviceOwnedDataDir(prefix: string): { base: string; dataDir: string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, SERVICE_USER.uid, SERVICE_USER.gid);
  return { base, dataDir };
}

/** Every file in the folder whose owner is not the service user: what the service could not open. */
export function foreignFiles(dataDir: string): string[] {
  return readdirSync(dataDir).filter((f) => statSync(join(dataDir, f)).uid !== SERVICE_USER.uid);
}
