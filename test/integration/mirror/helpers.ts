/** Shared by the mirror tests: a config slice, temp dirs, and file facts for "was it rewritten?". */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_SOURCES } from '../../../src/adapters/registry.js';
import { resolveKinds } from '../../../src/config/settings.js';
import type { ApiKey } from '../../../src/main-system/http/api-key.js';
import type { LinkSourceSettings } from '../../../src/main-system/link-source.js';
import { Mirror, type MirrorOptions } from '../../../src/mirror/mirror.js';
import { runSync as runSyncWithPorts, type MirrorConfig, type SyncDeps, type SyncResult } from '../../../src/mirror/sync.js';

/** The mirror's slice plus the keys its ports are built from (main_system.*, sync.file), as the loaded config has them. */
export type TestMirrorConfig = MirrorConfig & {
  readonly main_system: LinkSourceSettings;
  readonly sync: MirrorConfig['sync'] & { readonly file: string; readonly miss_rate_per_second: number; readonly miss_burst: number; readonly miss_client_rate_per_second: number; readonly miss_client_burst: number };
};

/** How a test names the credentials the ports are built with (as `serve` and `clickrelay sync` read them). */
interface PortInputs {
  config: TestMirrorConfig;
  apiKey?: ApiKey;
  env?: NodeJS.ProcessEnv;
}

/** The registry's entry for this config's link source: the main system's, else the links file. */
const linksOf = (config: TestMirrorConfig) => LINK_SOURCES[resolveKinds(config.main_system).linkSource];
const credentialsOf = (i: PortInputs) => ({ apiKey: i.apiKey, ...(i.env ? { env: i.env } : {}) });

/** The link source `serve` and `clickrelay sync` build from this config. */
export function sourceFor(i: PortInputs) {
  return linksOf(i.config).source(i.config, credentialsOf(i));
}

/** runSync with its link source built from the config, as `clickrelay sync` builds it. */
export function runSync(deps: PortInputs & Omit<SyncDeps, 'config' | 'source'>): Promise<SyncResult> {
  const { apiKey: _k, env: _e, ...rest } = deps;
  return runSyncWithPorts({ ...rest, source: sourceFor(deps) });
}

/** Mirror.open with its ports built from the config, as `serve` builds them. */
export function openMirror(opts: PortInputs & Omit<MirrorOptions, 'config' | 'source' | 'lookup'>): Promise<Mirror> {
  const { apiKey: _k, env: _e, ...rest } = opts;
  const lookup = linksOf(opts.config).lookup(opts.config, credentialsOf(opts));
  return Mirror.open({ ...rest, source: sourceFor(opts), lookup });
}

/** Distinctive, so a leak into any message is easy to spot. */
export const API_KEY = 'sk_test_SECRET_9f8e7d6c5b4a';

export function mirrorConfig(dataDir: string, over: { main_system?: Partial<TestMirrorConfig['main_system']>; sync?: Partial<TestMirrorConfig['sync']> } = {}): TestMirrorConfig {
  return {
    storage: { data_dir: dataDir },
    main_system: { base_url: '', api_key_file: '', timeout_ms: 2_000, ...over.main_system },
    sync: {
      schedule: '*/5 * * * *',
      miss_ttl_seconds: 30,
      miss_lookup: true,
      miss_timeout_ms: 1_500,
      page_size: 1_000,
      file: '',
      max_change_ratio: 0.1,
      max_pages: 0,
      deadline_seconds: 900,
      store_descriptions: false,
      miss_max_in_flight: 8,
      miss_rate_per_second: 20,
      miss_burst: 40,
      miss_client_rate_per_second: 2,
      miss_client_burst: 10,
      ...over.sync,
    },
  };
}

const dirs: string[] = [];
export function tempDir(prefix = 'mirror-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Inode + mtime: equal before and after ⇒ the file was neither replaced nor written. */
export function fileFacts(path: string): { ino: bigint; mtimeNs: bigint; size: bigint } {
  const st = statSync(path, { bigint: true });
  return { ino: st.ino, mtimeNs: st.mtimeNs, size: st.size };
}

export function links(n: number, prefix = 'lt_', over: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    tracking_id: `${prefix}${String(i).padStart(4, '0')}`,
    original_url: `https://example.com/jobs/${i}`,
    is_active: true,
    ...over(i),
  }));
}

