/**
 * `<data_dir>/serve.json`: what the running `serve` is (pid, uWS build, ports, start time),
 * the settings it runs with and what its shipper is doing, so `clickrelay status` —
 * another process, possibly started with another config or environment — reports the
 * service, not its own configuration, and says where the two differ.
 * Removed on a clean stop; a stale one is recognised by its dead pid.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/settings.js';
import { redactDatabaseUrl } from '../lib/redact.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { pidAlive } from '../lib/pid.js';
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
 * configuration. The main system is named by its origin only (no user info, no path).
 */
export function runtimeSettings(c: Settings): RuntimeSettings {
  return {
    config: c.source || 'built-in defaults',
    'storage.data_dir': c.storage.data_dir,
    'main_system.base_url': c.mainSystemOrigin,
    // Never the password: redacted as in every log line.
    'main_system.database_url': redactDatabaseUrl(c.main_system.database_url),
    'shipper.mode': c.shipper.mode,
    'shipper.sink': c.shipper.sink,
    // No credential can be in it (the loader refuses one), and the credential file is named only by path.
    'nats.url': c.nats.url,
    'nats.subject': c.nats.subject,
    'nats.stream': c.nats.stream,
    'outbox.durability': c.durability,
    'server.host': c.server.host,
    'server.port': c.server.port,
    'admin.host': c.admin.host,
    'admin.port': c.admin.port,
    'privacy.ipv4_prefix': c.privacy.ipv4_prefix,
    'privacy.ipv6_prefix': c.privacy.ipv6_prefix,
    'privacy.user_agent': c.privacy.user_agent,
    'privacy.referrer': c.privacy.referrer,
    'privacy.honor_dnt': c.privacy.honor_dnt,
    'privacy.honor_gpc': c.privacy.honor_gpc,
    'privacy.dnt_mode': c.privacy.dnt_mode,
    'privacy.retention_days': c.privacy.retention_days,
    'privacy.country': c.privacy.country,
    'privacy.country_db': c.privacy.country_db,
    'privacy.country_db_max_age_days': c.privacy.country_db_max_age_days,
    'sync.schedule': c.sync.schedule,
  };
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

/** The running serve's info, or null when none runs (no file, or its pid is gone). */
export function readRuntimeFile(dataDir: string): RuntimeInfo | null {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
  return pidAlive(info.pid) ? info : null;
}
