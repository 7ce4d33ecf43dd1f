/** Shared by the mirror tests: a config slice, temp dirs, and file facts for "was it rewritten?". */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MirrorConfig } from '../../../src/mirror/sync.js';

/** Distinctive, so a leak into any message is easy to spot. */
export const API_KEY = 'sk_test_SECRET_9f8e7d6c5b4a';

export function mirrorConfig(dataDir: string, over: { main_system?: Partial<MirrorConfig['main_system']>; sync?: Partial<MirrorConfig['sync']> } = {}): MirrorConfig {
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

export async function waitFor(cond: () => boolean, timeoutMs = 5_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
