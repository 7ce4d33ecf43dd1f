/**
 * Invariants of delivery under random sequences of recording, shipping, main-system faults,
 * crashes and restarts:
 *   1. nothing is lost: after recovery every click is stored by the main system, once, and
 *      shipped in the outbox (or dead-lettered, for the clicks the main system refuses);
 *   2. nothing leaves pending without an answer: a click is marked shipped only when the main
 *      system already holds it;
 *   3. nothing acknowledged is resent: no request carries a click after it was marked shipped.
 * Real HTTP to the reference main system (through a logging proxy) throughout. 1,000 runs use
 * an in-memory model of the outbox's state machine (model-outbox.ts); a smaller number use
 * the real worker-thread Outbox on a temp dir.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outbox } from '../../../src/outbox/index.js';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { httpClickSink } from '../../../src/main-system/http/click-sink.js';
import { createShipper, type OutboxPort, type Shipper, type ShipperOptions } from '../../../src/shipper/index.js';
import type { ClickRecord } from '../../../src/types.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { waitFor } from '../../support/wait-for.js';
import { API_KEY, click, openOutbox, removeDir, tempDir } from './helpers.js';
import { ModelOutbox } from './model-outbox.js';
import { startProxy, type Proxy } from './proxy.js';

type Fault = '5xx' | '429' | 'dropAfter' | 'dropBefore' | 'garbage' | 'slow' | 'down' | 'unauthorized' | 'noBatchRoute';
type Op =
  | { k: 'record'; n: number; poison: boolean }
  | { k: 'run'; ms: number }
  | { k: 'drain' }
  | { k: 'fault'; f: Fault; rate: number }
  | { k: 'heal' }
  | { k: 'crash' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('record' as const), n: fc.integer({ min: 1, max: 25 }), poison: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('run' as const), ms: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('drain' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('fault' as const),
      f: fc.constantFrom<Fault>('5xx', '429', 'dropAfter', 'dropAfter', 'dropBefore', 'garbage', 'slow', 'down', 'unauthorized', 'noBatchRoute'),
      rate: fc.constantFrom(0.2, 0.5, 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('heal' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('crash' as const) }) },
);

const setupArb = fc.record({
  mode: fc.constantFrom('batch' as const, 'batch' as const, 'single' as const),
  batchSize: fc.integer({ min: 1, max: 20 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  pipeline: fc.integer({ min: 1, max: 3 }),
  lingerMs: fc.constantFrom(0, 2, 5),
});

type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ms: RefMainSystem;
let proxy: Proxy;
let tick = 0;
const clock = () => ++tick;
let hasClick: (id: string) => boolean;

beforeAll(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY, seed: 7 });
  proxy = await startProxy(ms.url, clock);
  const stmt = ms.store.db.prepare('SELECT 1 FROM link_clicks WHERE click_id = ?');
  hasClick = (id) => stmt.get(id) !== undefined;
});
afterAll(async () => {
  await proxy.close();
  await ms.close();
});

function shipperFor(port: OutboxPort, s: Setup): Shipper {
  const o: ShipperOptions = {
    outbox: port,
    sink: httpClickSink({ baseUrl: proxy.url, apiKey: new ApiKey(API_KEY, 'test'), timeoutMs: 60, connections: s.concurrency }),
    mode: s.mode,
    batchSize: s.batchSize,
    lingerMs: s.lingerMs,
    concurrency: s.concurrency,
    pipeline: s.pipeline,
    maxBackoffMs: 15,
    baseBackoffMs: 1,
    pollMs: 20,
  };
  return createShipper(o);
}

async function applyFault(f: Fault, rate: number): Promise<void> {
  const fl = ms.faults;
  const rule = { rate, routes: ['record-click' as const, 'record-clicks' as const] };
  switch (f) {
    case '5xx': fl.status5xx = { ...rule, status: rate === 1 ? 503 : 500 }; break;
    case '429': fl.status429 = { ...rule, retryAfter: 0 }; break;
    case 'dropAfter': fl.dropAfterStore = rule; break;
    case 'dropBefore': fl.dropBeforeStore = rule; break;
    case 'garbage': fl.garbage = rule; break;
    case 'slow': fl.slowMs = { ...rule, ms: 90, rate: Math.min(rate, 0.3) }; break;
    case 'down': await ms.setDown(true); break;
    case 'unauthorized': fl.unauthorized = rule; break;
    case 'noBatchRoute': fl.notFoundRoutes.add('record-clicks'); break;
  }
}

async function heal(): Promise<void> {
  ms.faults.reset();
  ms.faults.poisonTrackingIds.add('lt_poison');
  await ms.setDown(false);
}

interface Harness {
  record(c: ClickRecord): void;
  session(): { port: OutboxPort; crash(): void };
}

/** Runs one sequence; returns the recorded clicks and when each was marked shipped (clock ticks). */
async function runOps(h: Harness, setup: Setup, ops: Op[]): Promise<ClickRecord[]> {
  await heal();
  proxy.log.length = 0;
  const recorded: ClickRecord[] = [];
  let sess = h.session();
  let shipper = shipperFor(sess.port, setup);
  shipper.start();
  const crash = async () => {
    sess.crash();
    await shipper.stop({ graceMs: 0 });
    // Whatever the dead process had already sent is logged once the proxy saw its connections close.
    await waitFor('the dead shipper\'s connections to close at the proxy', () => proxy.openConnections() === 0, { stepMs: 1 });
    sess = h.session();
    shipper = shipperFor(sess.port, setup);
    shipper.start();
  };
  for (const op of ops) {
    switch (op.k) {
      case 'record':
        for (let i = 0; i < op.n; i++) {
          const c = click(op.poison && i === 0 ? 'lt_poison' : 'lt_prop');
          h.record(c);
          recorded.push(c);
        }
        shipper.notify(op.n);
        break;
      case 'run': await sleep(op.ms); break; // elapsed time is the operation: the shipper works on its own for op.ms
      case 'drain': await shipper.drain({ timeoutMs: 100 }); break;
      case 'fault': await applyFault(op.f, op.rate); break;
      case 'heal': await heal(); break;
      case 'crash': await crash(); break;
    }
  }
  await heal();
  await crash(); // recovery always starts from a fresh process, like a restart after the outage
  const res = await shipper.drain({ timeoutMs: 10_000 });
  await shipper.stop({ graceMs: 1_000 });
  expect(res.pending).toBe(0);
  return recorded;
}

function checkDelivery(recorded: ClickRecord[], state: (id: string) => { state: string; shippedAt: number | null } | undefined): void {
  for (const c of recorded) {
    const s = state(c.click_id);
    if (c.tracking_id === 'lt_poison') {
      expect(s?.state).toBe('dead');
      expect(hasClick(c.click_id)).toBe(false);
    } else {
      expect(s?.state).toBe('shipped');
      expect(hasClick(c.click_id)).toBe(true);
    }
  }
  // 3. nothing acknowledged is resent
  for (const req of proxy.log) {
    for (const id of req.ids) {
      const s = state(id);
      if (s?.shippedAt != null) expect(req.at, `click ${id} was sent after it was marked shipped`).toBeLessThan(s.shippedAt);
    }
  }
}

describe('delivery invariants (property)', () => {
  it('loses nothing, marks nothing unanswered, and resends nothing acknowledged (model outbox, 1,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), async (setup, ops) => {
        const shippedBeforeStored: string[] = [];
        const model = new ModelOutbox(clock, (id) => {
          if (!hasClick(id)) shippedBeforeStored.push(id);
        });
        const recorded = await runOps({ record: (c) => model.record(c), session: () => model.session() }, setup, ops);
        expect(shippedBeforeStored).toEqual([]);
        checkDelivery(recorded, (id) => model.get(id));
      }),
      { numRuns: 1_000, endOnFailure: true },
    );
  }, 120_000);

  describe('with the real Outbox', () => {
    let dir: string;
    let outbox: Outbox;
    beforeAll(async () => {
      dir = tempDir();
      outbox = await openOutbox(dir);
    });
    afterAll(async () => {
      await outbox.close();
      removeDir(dir);
    });

    it('loses nothing, marks nothing unanswered, and resends nothing acknowledged (real Outbox, 100 runs)', async () => {
      await fc.assert(
        fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: 8 }), async (setup, ops) => {
          const shippedAt = new Map<string, number>();
          const shippedBeforeStored: string[] = [];
          // The outbox acknowledges by seq; the checks speak of click ids.
          const idOfSeq = new Map<number, string>();
          const h: Harness = {
            record: (c) => outbox.record(c),
            session() {
              // One process's view: after crash() its calls get no answer (they may still land).
              let dead = false;
              const guard = <T>(p: Promise<T>): Promise<T> => p.then((v) => (dead ? Promise.reject(new Error('process killed')) : v));
              const port: OutboxPort = {
                takePending: (...a) =>
                  guard(
                    outbox.takePending(...a).then((rows) => {
                      for (const r of rows) idOfSeq.set(r.seq, r.click.click_id);
                      return rows;
                    }),
                  ),
                noteAttempt: (...a) => guard(outbox.noteAttempt(...a)),
                deadLetter: (...a) => guard(outbox.deadLetter(...a)),
                stats: () => guard(outbox.stats()),
                ackShipped: (seqs, at) => {
                  const ids = seqs.map((s) => idOfSeq.get(s) ?? `never-read-seq-${s}`);
                  for (const id of ids) if (!hasClick(id)) shippedBeforeStored.push(id);
                  return guard(outbox.ackShipped(seqs, at)).then((n) => {
                    const t = clock();
                    for (const id of ids) if (!shippedAt.has(id)) shippedAt.set(id, t);
                    return n;
                  });
                },
              };
              return { port, crash: () => void (dead = true) };
            },
          };
          const recorded = await runOps(h, setup, ops);
          expect(shippedBeforeStored).toEqual([]);
          const { openOutboxReadOnly } = await import('../../../src/outbox/index.js');
          const ro = openOutboxReadOnly(dir);
          const states = new Map([...ro.clicks()].map((r) => [r.click.click_id, r.state]));
          ro.close();
          checkDelivery(recorded, (id) => {
            const st = states.get(id);
            return st === undefined ? undefined : { state: st, shippedAt: shippedAt.get(id) ?? null };
          });
        }),
        { numRuns: 100, endOnFailure: true },
      );
    }, 120_000);
  });
});
