/**
 * Puts the layers together: send (undici pool) → retry → batch or single, fed by the pump,
 * settled into the outbox. Owns start, notify, drain and stop.
 */
import { performance } from 'node:perf_hooks';
import { deliverBatch } from './batch.js';
import { newCounters, type ShipContext } from './context.js';
import { createDelivery } from './deliver.js';
import { PauseGate } from './gate.js';
import { Limiter } from './limiter.js';
import { Pump } from './pump.js';
import { createSender } from './send.js';
import { Settler } from './settle.js';
import { deliverToSink, type SinkDelivery } from './sink.js';
import { sleep } from './sleep.js';
import type { DrainResult, Shipper, ShipperEvent, ShipperOptions } from './types.js';

export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;

export function createShipper(opts: ShipperOptions): Shipper {
  const onEvent = opts.onEvent;
  const emit = (e: ShipperEvent): void => {
    if (!onEvent) return;
    try {
      onEvent(e);
    } catch {
      /* a failing listener must not break shipping */
    }
  };
  const stopping = new AbortController();
  const requests = new AbortController();
  const counters = newCounters();
  let pump: Pump | null = null;
  const gate = new PauseGate(emit, () => pump?.kick());
  const ctx: ShipContext = {
    emit,
    counters,
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
    baseMs: Math.min(opts.baseBackoffMs ?? 100, opts.maxBackoffMs),
    capMs: opts.maxBackoffMs,
    gate,
    stopping: stopping.signal,
    requests: requests.signal,
  };
  const concurrency = Math.max(1, opts.concurrency);
  const sink = opts.sink ?? null;
  const settler = new Settler(opts.outbox, ctx);
  const limiter = new Limiter(concurrency);
  // The HTTP layers are built only when no sink port is given (the seam to the PostgreSQL adapter).
  const sender = sink ? null : createSender({ baseUrl: opts.baseUrl, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs, connections: concurrency });
  const delivery = sender ? createDelivery({ ctx, settler, sender, limiter, concurrency, mode: opts.mode }) : null;
  const toSink: SinkDelivery | null = sink ? { ctx, settler, sink, limiter } : null;
  pump = new Pump(
    {
      outbox: opts.outbox,
      batchSize: Math.max(1, opts.batchSize),
      maxBytes: opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      lingerMs: Math.max(0, opts.lingerMs),
      pollMs: opts.pollMs ?? 2_000,
      pipeline: Math.max(1, opts.pipeline ?? 2),
      deliver: toSink ? (items) => deliverToSink(toSink, items) : (items) => deliverBatch(delivery!, items),
    },
    ctx,
  );
  const p = pump;
  let started = false;
  let stopped: Promise<void> | null = null;

  async function drain({ timeoutMs }: { timeoutMs: number }): Promise<DrainResult> {
    const deadline = performance.now() + timeoutMs;
    if (!stopped) {
      if (!started) shipper.start();
      p.beginDrain();
      try {
        while (!ctx.stopping.aborted) {
          const left = deadline - performance.now();
          if (left <= 0 || !(await p.whenIdle(left))) break;
          const s = await opts.outbox.stats().catch(() => null);
          if (s === null || s.pending === 0) break;
          // Idle, yet clicks are pending behind the cursor (only an outbox that returned rows
          // out of order could leave one there): read again from the oldest.
          p.rewind();
          p.kick();
          await sleep(Math.min(50, Math.max(0, deadline - performance.now())), ctx.stopping);
        }
      } finally {
        p.endDrain();
      }
    }
    const s = await opts.outbox.stats();
    return { pending: s.pending, dead_letter: s.dead_letter, paused: gate.paused };
  }

  async function stop({ graceMs }: { graceMs: number }): Promise<void> {
    stopping.abort();
    const halted = p.halt();
    const inFlight = p.inFlight();
    const grace = new AbortController();
    const finished = await Promise.race([Promise.all(inFlight).then(() => true), sleep(graceMs, grace.signal).then(() => false)]);
    grace.abort();
    // Grace over: abandon the requests still out. Their clicks stay pending, unmarked, and go
    // again after the restart; if the main system did store them, it drops the duplicates.
    if (!finished) requests.abort();
    await Promise.all(inFlight);
    await halted;
    await settler.idle();
    await sender?.close();
    await sink?.close();
  }

  const shipper: Shipper = {
    start() {
      if (started || stopped) return;
      started = true;
      p.start();
    },
    notify(n = 1) {
      if (started && !stopped) p.notify(n);
    },
    drain,
    stop(o) {
      stopped ??= stop(o);
      return stopped;
    },
    setApiKey(apiKey) {
      sender?.setApiKey(apiKey);
      gate.poke();
    },
    stats() {
      return {
        inFlight: counters.inFlight,
        shipped: counters.shipped,
        duplicates: counters.duplicates,
        retriesByReason: { ...counters.retriesByReason },
        deadLettered: counters.deadLettered,
        lastSuccess: counters.lastSuccess,
        paused: gate.paused,
        mode: delivery?.mode() ?? 'batch',
      };
    },
  };
  return shipper;
}
