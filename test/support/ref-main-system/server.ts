/**
 * A small but real main system for tests and demos: node:http over a SQLite file,
 * speaking the integration guide's API and the contract's extensions (routes.ts),
 * with runtime fault switches (faults.ts).
 *
 *   const ms = await startRefMainSystem({ apiKey: 'k' });
 *   ms.addLinks([{ tracking_id: 'lt_a', original_url: 'https://example.com' }]);
 *   ms.faults.status5xx = { count: 2 };
 *   ...
 *   await ms.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Faults, type RouteName } from './faults.js';
import { createHandler, type LoggedRequest } from './routes.js';
import { RefStore, type RefLink, type StoredClick } from './store.js';

export type { RefLink, StoredClick, LoggedRequest, RouteName };
export { Faults, type FaultRule } from './faults.js';

export interface RefMainSystemOptions {
  apiKey: string;
  /** SQLite file; default: a fresh temp dir, removed on close. */
  dbPath?: string;
  /** Default 0 (any free port). */
  port?: number;
  host?: string;
  /** Seed of the fault RNG (default 1). */
  seed?: number;
  /** Generate this many sample links at start (`lt_seed_0000001`…; every 10th inactive). */
  links?: number;
  /** SQLite synchronous mode of its file (see RefStore); default 'normal'. */
  synchronous?: 'normal' | 'off';
}

export interface RequestLog {
  readonly entries: readonly LoggedRequest[];
  /** Requests seen, optionally for one route only (dropped ones included). */
  count(route?: RouteName): number;
  byRoute(): Record<string, number>;
  clear(): void;
}

export interface RefMainSystem {
  url: string;
  port: number;
  store: RefStore;
  faults: Faults;
  requestLog: RequestLog;
  addLinks(links: RefLink[]): void;
  setLink(link: RefLink): void;
  removeLink(id: string): boolean;
  /** Serve these objects verbatim in the listing (to test a client's validation). */
  addRawLinks(items: unknown[]): void;
  seedLinks(n: number, prefix?: string): void;
  linkCount(): number;
  clicks(): StoredClick[];
  clickCount(): number;
  /** Stop listening (refused) or listen again on the same port. */
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startRefMainSystem(opts: RefMainSystemOptions): Promise<RefMainSystem> {
  let tmpDir: string | null = null;
  let dbPath = opts.dbPath;
  if (!dbPath) {
    tmpDir = mkdtempSync(join(tmpdir(), 'ref-main-system-'));
    dbPath = join(tmpDir, 'main.db');
  }
  const store = new RefStore(dbPath, opts.synchronous);
  if (opts.links) store.seed(opts.links);
  const host = opts.host ?? '127.0.0.1';
  const entries: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let server: Server;
  let port = opts.port ?? 0;
  let listening = false;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  const unlisten = (): Promise<void> =>
    new Promise((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy(); // keep-alive connections would otherwise still be answered
    });

  const faults = new Faults(opts.seed ?? 1, (down) => (down ? unlisten() : listening ? Promise.resolve() : listen()));
  server = createServer({ keepAliveTimeout: 5_000 }, createHandler(store, faults, opts.apiKey, entries));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen();

  const requestLog: RequestLog = {
    entries,
    count: (route) => (route ? entries.filter((e) => e.route === route).length : entries.length),
    byRoute: () => {
      const out: Record<string, number> = {};
      for (const e of entries) out[e.route] = (out[e.route] ?? 0) + 1;
      return out;
    },
    clear: () => {
      entries.length = 0;
    },
  };

  return {
    get url() {
      return `http://${host}:${port}`;
    },
    get port() {
      return port;
    },
    store,
    faults,
    requestLog,
    addLinks: (l) => store.addLinks(l),
    setLink: (l) => store.setLink(l),
    removeLink: (id) => store.removeLink(id),
    addRawLinks: (items) => store.addRawLinks(items),
    seedLinks: (n, prefix) => store.seed(n, prefix),
    linkCount: () => store.linkCount(),
    clicks: () => store.clicks(),
    clickCount: () => store.clickCount(),
    setDown: (down) => faults.setDown(down),
    close: async () => {
      await unlisten();
      store.close();
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
