/**
 * `<data_dir>/serve.json`: what the running `serve` is (pid, uWS build, ports, start time),
 * the settings it runs with and what its shipper is doing, so `clickrelay status` —
 * another process, possibly started with another config or environment — reports the
 * service, not its own configuration, and says where the two differ.
 * Removed on a clean stop; a stale one is recognised by its dead pid.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA, type KeySpec } from '../config/schema.js';
import type { Settings } from '../config/settings.js';
import { redactDatabaseUrl } from '../lib/redact.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { pidAliveSince } from '../lib/pid.js';
import type { UwsBuild } from '../http/uws.js';
import type { WeakenedSetting } from '../notice/weakened.js';
import type { ShippingSnapshot } from '../shipper/index.js';

export const RUNTIME_FILE = 'serve.json';

export interface RuntimeInfo {
  pid: number;
  started_at: string;
  node: string;
  uws_build: UwsBuild;
  public_port: number;
  admin_port: number;
  tls: boolean;
  /** Added with version 0.2; absent in a file written by an older serve. */
  version?: string;
  outbox_schema_version?: number;
  /** The settings status shows or compares (runtimeSettings), as the service resolved them. */
  settings?: RuntimeSettings;
  /** Privacy settings weaker than the defaults the service runs with. */
  weakened?: WeakenedSetting[];
  shipping?: ShippingSnapshot;
}

export type RuntimeSettings = Record<string, string | number | boolean | readonly string[]>;

/**
 * The settings `status` reports from the running service and compares with its own
 * configuration: every key of the schema (config/schema.ts), so a key added there is compared
 * without anyone remembering to list it here. Secrets stay out as in every log line: the main
 * system is named by its origin only (no user info, no path), a database URL without its
 * password, a key marked `secret` as "[redacted]" (credentials themselves live in files,
 * named here by path only).
 */
export function runtimeSettings(c: Settings): RuntimeSettings {
  const out: RuntimeSettings = { config: c.source || 'built-in defaults' };
  for (const [section, keys] of Object.entries(SCHEMA)) {
    const values = (c as unknown as Record<string, Record<string, string | number | boolean | readonly string[]>>)[section]!;
    for (const [key, spec] of Object.entries(keys) as [string, KeySpec][]) {
      out[`${section}.${key}`] = spec.kind === 'string' && spec.secret === true && values[key] !== '' ? '[redacted]' : values[key]!;
    }
  }
  out['main_system.base_url'] = c.mainSystemOrigin;
  out['main_system.database_url'] = redactDatabaseUrl(c.main_system.database_url);
  out['outbox.durability'] = c.durability;
  return out;
}

/** Keys whose values differ between the running service and another configuration. */
export function settingsDiff(running: RuntimeSettings, mine: RuntimeSettings): { key: string; running: unknown; here: unknown }[] {
  const out: { key: string; running: unknown; here: unknown }[] = [];
  for (const [key, value] of Object.entries(running)) {
    if (JSON.stringify(value) !== JSON.stringify(mine[key])) out.push({ key, running: value, here: mine[key] });
  }
  return out;
}

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): void {
  writeFileAtomic(join(dataDir, RUNTIME_FILE), JSON.stringify(info, null, 2) + '\n', { durable: false });
}

export function removeRuntimeFile(dataDir: string): void {
  rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

/** The running serve's info, or null when none runs (no file, or its pid is gone or now another process's). */
export function readRuntimeFile(dataDir: string): RuntimeInfo | null {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
  return pidAliveSince(info.pid, Date.parse(info.started_at)) ? info : null;
}
