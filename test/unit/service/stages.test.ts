/**
 * One composition root: the stage factories (src/service/stages.ts) are the only place
 * configuration keys become a stage's options, and serve and every CLI command go through
 * them. Real outbox files in a temp dir.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { resolveSettings } from '../../../src/config/settings.js';
import { createShipperFor, openOutboxFor, openOutboxReaderFor, policyFor, rateLimiterFor } from '../../../src/service/stages.js';

const settingsIn = (env: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-stages-'));
  return resolveSettings(loadConfig({ env: { CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'), ...env }, cwd: dir }));
};

describe('stage factories', () => {
  it('standalone has no shipper; with a main system the shipper runs against the opened outbox', async () => {
    const standalone = settingsIn();
    const outbox = await openOutboxFor(standalone);
    try {
      expect(createShipperFor(standalone, outbox, () => undefined)).toBeNull();
    } finally {
      await outbox.close();
    }
    const keyFile = join(mkdtempSync(join(tmpdir(), 'cr-stages-key-')), 'api_key');
    writeFileSync(keyFile, 'test-key', { mode: 0o600 });
    const http = settingsIn({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://127.0.0.1:9', CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile });
    const outbox2 = await openOutboxFor(http);
    const shipper = createShipperFor(http, outbox2, () => undefined);
    try {
      expect(shipper).not.toBeNull();
      expect(shipper!.stats().shipped).toBe(0);
    } finally {
      await shipper?.stop({ graceMs: 0 });
      await outbox2.close();
    }
  });

  it('the outbox opens in settings.storage.data_dir and the reader reads the same files', async () => {
    const s = settingsIn({ CLICKRELAY_OUTBOX_DURABILITY: 'fast' });
    const outbox = await openOutboxFor(s);
    await outbox.close();
    expect(readdirSync(s.storage.data_dir)).toContain('outbox.db');
    const reader = openOutboxReaderFor(s);
    try {
      expect(reader.summary().pending).toBe(0);
    } finally {
      reader.close();
    }
  });

  it('policy and rate limit come from the same keys for serve and the audit', () => {
    const s = settingsIn({ CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'https://jobs.example.com', CLICKRELAY_PRIVACY_IPV4_PREFIX: '16', CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '5' });
    expect(policyFor(s)).toMatchObject({ ipv4Prefix: 16, dashboardHost: 'jobs.example.com' });
    expect(rateLimiterFor(s)).not.toBeNull();
    expect(rateLimiterFor(settingsIn())).toBeNull();
  });

  it('no CLI command builds an outbox, a shipper, a mirror sync or a policy itself', () => {
    const dir = 'src/cli/commands';
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const direct of ['Outbox.open(', 'createShipper(', 'openOutboxReadOnly(', 'runSync(', 'Mirror.open(', 'policyFromConfig(']) {
        expect(text.includes(direct), `${file} calls ${direct} instead of a factory in src/service/stages.ts`).toBe(false);
      }
    }
  });
});
