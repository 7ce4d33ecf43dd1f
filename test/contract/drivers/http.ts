/**
 * The conformance driver of the HTTP sink: the reference main system (a real HTTP server
 * over its own SQLite file), restarted on the same port and file; a click whose tracking_id
 * it refuses (its per-click rejection) is the bad record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { httpClickSink } from '../../../src/main-system/http/click-sink.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { click } from '../../integration/shipper/helpers.js';
import type { SinkDriver } from '../sink-conformance.js';

const API_KEY = 'conformance-key-6f1c2a9e4b7d';
const POISON = 'lt_refused_by_main_system';

export function httpDriver(): SinkDriver {
  let ms: RefMainSystem | null = null;
  let dir = '';
  let port = 0;
  const up = async () => {
    ms = await startRefMainSystem({ apiKey: API_KEY, dbPath: join(dir, 'main.db'), port, synchronous: 'normal' });
    port = ms.port;
    ms.faults.poisonTrackingIds.add(POISON);
  };
  return {
    name: 'http',
    skip: () => false,
    secret: API_KEY,
    async start() {
      dir = mkdtempSync(join(tmpdir(), 'conformance-http-'));
      await up();
    },
    async destroy() {
      await ms?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async reset() {
      ms!.store.db.exec('DELETE FROM link_clicks');
    },
    port: () => port,
    openSink(o = {}) {
      return httpClickSink({ baseUrl: `http://127.0.0.1:${o.port ?? port}`, apiKey: new ApiKey(o.wrongSecret ?? API_KEY, 'test'), timeoutMs: 2_000, connections: 4 });
    },
    storedIds: async () => ms!.clicks().map((c) => c.click_id),
    storedCount: async () => ms!.clickCount(),
    async crash() {
      await ms!.close();
      ms = null;
    },
    revive: up,
    badClick: () => click(POISON),
  };
}
