/**
 * Starts the real service (real uWS listeners on ephemeral loopback ports, real SQLite
 * files in a temp dir) for a test, configured through the same loader and env keys an
 * operator uses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observe/logger.js';
import { openOutboxReadOnly } from '../../src/outbox/index.js';
import type { StoredClick } from '../../src/outbox/read-only.js';
import { startService, type RunningService } from '../../src/service/service.js';
import type { LinkInfo } from '../../src/types.js';
import { waitFor } from './wait-for.js';

export const SAMPLE_LINKS: LinkInfo[] = [
  { tracking_id: 'lt_test123456789', original_url: 'https://linkedin.com/in/steve-glen', is_active: true },
  { tracking_id: 'lt_inactive', original_url: 'https://example.com/old', is_active: false },
  { tracking_id: 'lt_other', original_url: 'https://example.com/path?x=1', is_active: true },
];

export interface TestService {
  config: Config;
  service: RunningService;
  base: string;
  admin: string;
  dataDir: string;
  /** Every log line the service wrote, parsed. */
  logs: Record<string, unknown>[];
  clicks(): StoredClick[];
  /** Resolves once every click the service has queued is committed (fast mode answers before the commit). */
  committed(): Promise<void>;
  stop(): Promise<void>;
}

/** `clock`: what the token buckets refill by (test/support/clock.ts), the wall clock by default. */
export async function startTestService(env: Record<string, string> = {}, links: LinkInfo[] = SAMPLE_LINKS, opts: { clock?: () => number } = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-svc-'));
  const linksFile = join(dir, 'links.json');
  writeFileSync(linksFile, JSON.stringify(links));
  const config = loadConfig({
    env: {
      CLICKRELAY_SERVER_PORT: '0',
      CLICKRELAY_ADMIN_PORT: '0',
      CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'),
      CLICKRELAY_SYNC_FILE: linksFile,
      CLICKRELAY_LOG_LEVEL: 'debug',
      // One serving thread unless a test asks for more: these tests look into the main thread's
      // outbox (service.outbox, committed()) and may bring a clock, which only that thread's
      // token buckets read. Several threads are tested as real processes (test/e2e/threads.test.ts).
      CLICKRELAY_SERVER_THREADS: '1',
      ...env,
    },
    cwd: dir,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const service = await startService(config, createLogger(config.log.level, sink), { version: 'unknown', clock: opts.clock });
  await service.mirror.sync().catch(() => undefined); // the first sync, awaited so tests start on a loaded mirror
  return {
    config,
    service,
    base: `http://127.0.0.1:${service.publicPort}`,
    admin: `http://127.0.0.1:${service.adminPort}`,
    dataDir: config.storage.data_dir,
    logs,
    clicks() {
      const ro = openOutboxReadOnly(config.storage.data_dir);
      try {
        return [...ro.clicks()];
      } finally {
        ro.close();
      }
    },
    committed: () => waitFor('the outbox to commit every queued click', async () => (await service.outbox.stats()).queued === 0),
    stop: () => service.stop(),
  };
}
