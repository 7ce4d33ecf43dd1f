/**
 * Puts the layers together, each given what it needs and nothing else:
 *
 *   pump (reads batches) → batch (split, single fallback) → retry → limiter → sink port
 *
 * and settles the answers into the outbox (settle.ts); one retry policy (retry-policy.ts)
 * serves the sink, the outbox reads and the outbox writes. Owns start, notify, drain and stop.
 */
import { performance } from 'node:perf_hooks';
import { createBatchLayer } from './batch.js';
import { newCounters } from './counters.js';
import { PauseGate } from './gate.js';
import { Limiter, throttled } from './limiter.js';
import { Pump } from './pump.js';
import { createRetryLayer } from './retry.js';
import { createRetryPolicy } from './retry-policy.js';
import { Settler } from './settle.js';
import { sleep } from './sleep.js';
import type { DrainResult, Shipper, ShipperEvent, ShipperOptions } from './types.js';

/** Byte cap of one batch; the outbox's estimate decides what is read. */
const MAX_BATCH_BYTES = 1024 * 1024;

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
  /** Fires when stop() begins: no new attempt starts, waits end. */
  const stopping = new AbortController();
  /** Fires when stop()'s grace is over: requests still in flight are aborted. */
  const requests = new AbortController();
  const counters = newCounters();
  const now = opts.now ?? Date.now;
  const concurrency = Math.max(1, opts.concurrency);
  const sink = opts.sink;
  let pump: Pump | null = null;
  const gate = new PauseGate(emit, () => pump?.kick());
  /** Fired (and replaced) by each drain: backoffs under way end now, as in a fresh `ship --once`. */
  let hurry = new AbortController();
  const policy = createRetryPolicy({
    baseMs: Math.min(opts.baseBackoffMs ?? 100, opts.maxBackoffMs),
    capMs: opts.maxBackoffMs,
    random: opts.random ?? Math.random,
    stopping: stopping.signal,
    hurry: () => hurry.signal,
  });
  const settler = new Settler({ outbox: opts.outbox, policy, counters, emit, now, stopping: stopping.signal });
  const retry = createRetryLayer({
    send: throttled(sink, new Limiter(concurrency), requests.signal),
    policy,
    gate,
    counters,
    emit,
    note: (ids, error) => settler.note(ids, error),
  });
  const batches = createBatchLayer({
    retry,
    settler,
    mode: sink.deliverOne ? opts.mode : 'batch',
    concurrency,
    emit,
    stopping: stopping.signal,
  });
  pump = new Pump({
    outbox: opts.outbox,
    policy,
    gate,
    counters,
    emit,
    batchSize: Math.max(1, opts.batchSize),
    maxBytes: MAX_BATCH_BYTES,
    lingerMs: Math.max(0, opts.lingerMs),
    pollMs: opts.pollMs ?? 2_000,
    pipeline: Math.max(1, opts.pipeline ?? 2),
    deliver: (items) => batches.deliver(items),
  });
  const p = pump;
  let started = false;
  let stopped: Promise<void> | null = null;

  async function drain({ timeoutMs }: { timeoutMs: number }): Promise<DrainResult> {
    const deadline = performance.now() + timeoutMs;
    if (!stopped) {
      if (!started) shipper.start();
      p.beginDrain();
      // A running shipper may sit in a long backoff or a pause (max_backoff_ms): the operator
      // asked for now, so every wait ends and each request is tried again at once.
      hurry.abort();
      hurry = new AbortController();
      gate.poke();
      try {
        while (!stopping.signal.aborted) {
          const left = deadline - performance.now();
          if (left <= 0 || !(await p.whenIdle(left))) break;
          const s = await opts.outbox.stats().catch(() => null);
          if (s === null || s.pending === 0) break;
          // Idle, yet clicks are pending behind the cursor (only an outbox that returned rows
          // out of order could leave one there): read again from the oldest.
          p.rewind();
          p.kick();
          await sleep(Math.min(50, Math.max(0, deadline - performance.now())), stopping.signal);
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
    await sink.close();
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
    resumeNow() {
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
        mode: batches.mode(),
      };
    },
  };
  return shipper;
}
