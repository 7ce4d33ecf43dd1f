/**
 * Shared by the shipper's integration tests: real clicks, a real Outbox on a temp dir, the
 * real reference main system, and a shipper wired between them with test-sized timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { httpClickSink, type HttpClickSink } from '../../../src/main-system/http/click-sink.js';
import { Outbox } from '../../../src/outbox/index.js';
import { createShipper, type Shipper, type ShipperEvent, type ShipperOptions } from '../../../src/shipper/index.js';
import type { ClickRecord } from '../../../src/types.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';

export const API_KEY = 'test-key-0123456789abcdef';

export function click(trackingId = 'lt_test', over: Partial<ClickRecord> = {}): ClickRecord {
  return {
    click_id: uuidv7(),
    tracking_id: trackingId,
    clicked_at: new Date().toISOString(),
    ip_address: '203.0.113.0',
    user_agent: 'Chrome 120 / Windows',
    referrer_url: 'https://mail.google.com',
    session_id: 's'.repeat(32),
    click_source: 'email',
    metadata: { utm_source: 'newsletter' },
    anonymous: false,
    ...over,
  };
}

export function tempDir(prefix = 'shipper-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function openOutbox(dataDir: string): Promise<Outbox> {
  return Outbox.open({ dataDir, durability: 'fast', commitIntervalMs: 1 });
}

/** Records the clicks and resolves once every one of them is committed. */
export function record(outbox: Outbox, clicks: readonly ClickRecord[]): Promise<void> {
  return Promise.all(
    clicks.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          outbox.record(c, (err) => (err ? reject(err) : resolve()));
        }),
    ),
  ).then(() => undefined);
}

export function clicks(n: number, trackingId = 'lt_test'): ClickRecord[] {
  return Array.from({ length: n }, () => click(trackingId));
}

/** The shipper's options, plus what the HTTP click sink under it is built with. */
export type RigOptions = Partial<Omit<ShipperOptions, 'sink'>> & { baseUrl?: string; apiKey?: string; timeoutMs?: number };

export interface Rig {
  ms: RefMainSystem;
  outbox: Outbox;
  shipper: Shipper;
  /** The HTTP click sink of the current shipper. */
  sink: HttpClickSink;
  /** Gives the sink a new key and ends the shipper's pause at once (a rotated key file). */
  setApiKey(key: string): void;
  events: ShipperEvent[];
  dir: string;
  /** A new shipper (e.g. after a stop), same outbox and main system. */
  restart(over?: RigOptions): Shipper;
  close(): Promise<void>;
}

export async function rig(over: RigOptions = {}, ms?: RefMainSystem): Promise<Rig> {
  const main = ms ?? (await startRefMainSystem({ apiKey: API_KEY }));
  const dir = tempDir();
  const outbox = await openOutbox(dir);
  const events: ShipperEvent[] = [];
  let sink: HttpClickSink;
  const make = (o: RigOptions): Shipper => {
    const { baseUrl = main.url, apiKey = API_KEY, timeoutMs = 2_000, ...opts } = { ...over, ...o };
    const concurrency = opts.concurrency ?? 4;
    sink = httpClickSink({ baseUrl, apiKey: new ApiKey(apiKey, 'test'), timeoutMs, connections: concurrency, ...(opts.now ? { now: opts.now } : {}) });
    return createShipper({
      outbox,
      sink,
      mode: 'batch',
      batchSize: 100,
      lingerMs: 20,
      concurrency,
      maxBackoffMs: 200,
      baseBackoffMs: 5,
      pollMs: 200,
      onEvent: (e) => events.push(e),
      ...opts,
    });
  };
  const r: Rig = {
    ms: main,
    outbox,
    shipper: make({}),
    get sink() {
      return sink;
    },
    events,
    dir,
    setApiKey(key) {
      sink.setApiKey(new ApiKey(key, 'test'));
      r.shipper.resumeNow();
    },
    restart(o = {}) {
      r.shipper = make(o);
      return r.shipper;
    },
    async close() {
      await r.shipper.stop({ graceMs: 0 });
      await outbox.close();
      if (!ms) await main.close();
      removeDir(dir);
    },
  };
  return r;
}

/** Every stored click_id, and whether any appears twice. */
export function storedIds(ms: RefMainSystem): { ids: Set<string>; rows: number } {
  const rows = ms.clicks();
  return { ids: new Set(rows.map((r) => r.click_id)), rows: rows.length };
}

export function ofType<T extends ShipperEvent['type']>(events: readonly ShipperEvent[], type: T): Extract<ShipperEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ShipperEvent, { type: T }> => e.type === type);
}
