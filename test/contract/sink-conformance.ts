/**
 * The promises every click sink makes, as one suite each sink's driver runs (http.test.ts,
 * postgres.test.ts, nats.test.ts): adding a sink means writing its driver and passing this.
 * The real shipper over a real outbox delivers through the sink to a real server:
 * - every click arrives once, whatever happens on the way: a connection cut mid-shipping,
 *   the server killed and started again, an answer lost after the server stored the clicks,
 *   clickrelay itself stopped and started again with answers outstanding;
 * - a record the sink refuses on its own (where it can refuse one) is the only one
 *   dead-lettered;
 * - a refused credential pauses shipping and dead-letters nothing; a good one (config and
 *   restart) ships everything;
 * - no credential, right or wrong, is in any event (what the service logs) or error kept on
 *   the clicks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClickSink } from '../../src/shipper/ports.js';
import { openOutboxReadOnly, type Outbox } from '../../src/outbox/index.js';
import { createShipper, type Shipper, type ShipperEvent } from '../../src/shipper/index.js';
import type { ClickRecord } from '../../src/types.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { click, clicks, ofType, openOutbox, record, removeDir, tempDir } from '../integration/shipper/helpers.js';
import { waitFor as until } from '../support/wait-for.js';

export interface SinkDriver {
  /** 'http', 'postgres', 'nats'. */
  name: string;
  /** true: the server's program is missing here (skipUnless: fails under CI). */
  skip(): boolean;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** Forgets every stored click (between tests). */
  reset(): Promise<void>;
  /** The port the server listens on (a proxy goes in front of it). */
  port(): number;
  /** A sink to the server at `port` (default its own), with the good credential or `wrongSecret`. */
  openSink(o?: { port?: number; wrongSecret?: string }): ClickSink;
  /** The good credential's secret part: never in an event or an error. */
  readonly secret: string;
  /** click_id of every stored record, one entry per record (a duplicate would show twice). */
  storedIds(): Promise<string[]>;
  storedCount(): Promise<number>;
  /** Kills the server hard; revive() starts it on the same port with the same store. */
  crash(): Promise<void>;
  revive(): Promise<void>;
  /** A click this sink refuses on its own (dead-lettered alone), or null when it cannot refuse one record. */
  badClick: (() => ClickRecord) | null;
}

const WRONG_SECRET = 'wrong-secret-d41d8cd98f';

export function sinkConformance(d: SinkDriver): void {
  describe.skipIf(d.skip())(`the ${d.name} sink keeps the sink promises`, () => {
    let dir: string;
    let outbox: Outbox;
    let shipper: Shipper | null = null;
    let events: ShipperEvent[];
    let proxy: TcpProxy | null = null;

    const start = (sink: ClickSink, batchSize = 50): Shipper => {
      shipper = createShipper({ outbox, sink, mode: 'batch', batchSize, lingerMs: 5, concurrency: 4, maxBackoffMs: 200, baseBackoffMs: 5, pollMs: 100, onEvent: (e) => events.push(e) });
      return shipper;
    };
    const viaProxy = async (): Promise<ClickSink> => {
      proxy = await startTcpProxy(d.port());
      return d.openSink({ port: proxy.port });
    };
    const expectEachOnce = async (ours: readonly ClickRecord[]) => {
      const ids = await d.storedIds();
      expect(ids.length).toBe(ours.length);
      expect([...ids].sort()).toEqual(ours.map((c) => c.click_id).sort());
    };
    /**
     * One click shipped first, so the sink's connection is open (a NATS or PostgreSQL
     * handshake needs the server's answers), then answers held and 200 more recorded: the
     * server stores them, the shipper hears nothing. Returns all 201.
     */
    const heldAfterWarmUp = async (s: Shipper): Promise<ClickRecord[]> => {
      const warm = clicks(1);
      await record(outbox, warm);
      expect(await s.drain({ timeoutMs: 20_000 })).toMatchObject({ pending: 0 });
      proxy!.holdAnswers();
      const more = clicks(200);
      await record(outbox, more);
      s.notify(more.length);
      return [...warm, ...more];
    };
    /** Every text the service would log or keep on a click, for the credential checks. */
    const texts = (): string => {
      const ro = openOutboxReadOnly(dir);
      try {
        const errors = [...ro.clicks()].map((r) => `${r.last_error ?? ''} ${r.dead_reason ?? ''}`);
        return JSON.stringify(events) + errors.join('\n');
      } finally {
        ro.close();
      }
    };

    beforeAll(() => d.start(), 90_000);
    afterAll(() => d.destroy());
    beforeEach(async () => {
      events = [];
      await d.reset();
      dir = tempDir(`conformance-${d.name}-`);
      outbox = await openOutbox(dir);
      return async () => {
        await shipper?.stop({ graceMs: 0 });
        shipper = null;
        await proxy?.close();
        proxy = null;
        await outbox.close();
        removeDir(dir);
      };
    });

    it('delivers every click once', async () => {
      const ours = clicks(500);
      await record(outbox, ours);
      expect(await start(d.openSink()).drain({ timeoutMs: 20_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
    });

    it('delivers every click once across a connection cut mid-shipping', async () => {
      const ours = clicks(3_000);
      await record(outbox, ours);
      const s = start(await viaProxy());
      s.start();
      await until('the first clicks stored', async () => (await d.storedCount()) > 0);
      proxy!.cut();
      expect(await s.drain({ timeoutMs: 60_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
    }, 90_000);

    it('delivers every click once across a restart of the sink (killed, started again)', async () => {
      const ours = clicks(3_000);
      await record(outbox, ours);
      const s = start(d.openSink());
      s.start();
      await until('the first clicks stored', async () => (await d.storedCount()) > 0);
      await d.crash();
      await d.revive();
      expect(await s.drain({ timeoutMs: 60_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
      // A restart is a fault to ride out, never an access refusal (no pause, no pause's error code).
      expect(ofType(events, 'unauthorized')).toEqual([]);
      expect(texts()).not.toContain(d.secret);
    }, 90_000);

    it('delivers every click once after an answer was lost (stored by the server, the answer cut off)', async () => {
      const s = start(await viaProxy());
      const ours = await heldAfterWarmUp(s);
      await until('clicks stored while their answers are held', async () => (await d.storedCount()) > 0 && proxy!.heldBytes() > 0);
      proxy!.cut();
      proxy!.release();
      expect(await s.drain({ timeoutMs: 60_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
      expect(s.stats().duplicates).toBeGreaterThan(0);
    }, 90_000);

    it('delivers every click once when clickrelay stops with answers outstanding and starts again', async () => {
      const first = start(await viaProxy());
      const ours = await heldAfterWarmUp(first);
      await until('clicks stored while their answers are held', async () => (await d.storedCount()) > 0 && proxy!.heldBytes() > 0);
      await first.stop({ graceMs: 0 });
      proxy!.cut();
      proxy!.release();
      await outbox.close();
      outbox = await openOutbox(dir);
      const second = start(d.openSink());
      expect(await second.drain({ timeoutMs: 60_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
      expect(second.stats().duplicates).toBeGreaterThan(0);
    }, 90_000);

    it.skipIf(d.badClick === null)('a record the sink refuses is the only click dead-lettered', async () => {
      const ours = clicks(40);
      const bad = d.badClick!();
      await record(outbox, [...ours.slice(0, 17), bad, ...ours.slice(17)]);
      expect(await start(d.openSink()).drain({ timeoutMs: 20_000 })).toEqual({ pending: 0, dead_letter: 1, paused: false });
      expect(ofType(events, 'dead_letter').reduce((n, e) => n + e.count, 0)).toBe(1);
      await expectEachOnce(ours);
    });

    it('a refused credential pauses shipping and dead-letters nothing; the right one ships everything; neither is in an event or an error', async () => {
      const ours = clicks(30);
      await record(outbox, ours);
      const refused = start(d.openSink({ wrongSecret: WRONG_SECRET }));
      expect(await refused.drain({ timeoutMs: 1_500 })).toEqual({ pending: 30, dead_letter: 0, paused: true });
      expect(ofType(events, 'unauthorized').length).toBe(1);
      await refused.stop({ graceMs: 0 });
      const fixed = start(d.openSink());
      expect(await fixed.drain({ timeoutMs: 20_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      await expectEachOnce(ours);
      const all = texts();
      expect(all).not.toContain(WRONG_SECRET);
      expect(all).not.toContain(d.secret);
    });
  });
}

export { click };
