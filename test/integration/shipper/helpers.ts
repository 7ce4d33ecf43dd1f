/**
 * Shared by the shipper's integration tests: real clicks, a real Outbox on a temp dir, the
 * real reference main system, and a shipper wired between them with test-sized timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
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

export interface Rig {
  ms: RefMainSystem;
  outbox: Outbox;
  shipper: Shipper;
  events: ShipperEvent[];
  dir: string;
  /** A new shipper (e.g. after a stop), same outbox and main system. */
  restart(over?: Partial<ShipperOptions>): Shipper;
  close(): Promise<void>;
}

export async function rig(over: Partial<ShipperOptions> = {}, ms?: RefMainSystem): Promise<Rig> {
  const main = ms ?? (await startRefMainSystem({ apiKey: API_KEY }));
  const dir = tempDir();
  const outbox = await openOutbox(dir);
  const events: ShipperEvent[] = [];
  const make = (o: Partial<ShipperOptions>): Shipper =>
    createShipper({
      outbox,
      baseUrl: main.url,
      apiKey: API_KEY,
      mode: 'batch',
      batchSize: 100,
      lingerMs: 20,
      concurrency: 4,
      timeoutMs: 2_000,
      maxBackoffMs: 200,
      baseBackoffMs: 5,
      pollMs: 200,
      onEvent: (e) => events.push(e),
      ...over,
      ...o,
    });
  const r: Rig = {
    ms: main,
    outbox,
    shipper: make({}),
    events,
    dir,
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
