/**
 * The launcher and serving-side client of the analytics thread (analytics-worker.ts, speaking
 * analytics-protocol.ts): started on the first call, kept while the service runs. If the
 * thread dies, the calls it held fail (the guide's 500) and the next call starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker-launch.js';
import type { AnalyticsBoot, AnalyticsResponse, ToAnalytics } from './analytics-protocol.js';
import type { AnalyticsOutcome } from './statistics.js';

export interface AnalyticsThread {
  /** The id must already match the tracking-id pattern. */
  query(trackingId: string): Promise<AnalyticsOutcome>;
  close(): Promise<void>;
}

export function createAnalyticsThread(dataDir: string, now: () => Date = () => new Date()): AnalyticsThread {
  let worker: Worker | null = null;
  let seq = 0;
  const pending = new Map<number, (o: AnalyticsOutcome) => void>();

  const failAll = (detail: string) => {
    for (const resolve of pending.values()) resolve({ kind: 'failed', part: 'unexpected', detail });
    pending.clear();
  };

  const start = (): Worker => {
    const w = startWorker(new URL('./analytics-worker.js', import.meta.url), { workerData: { dataDir } satisfies AnalyticsBoot });
    w.on('message', (r: AnalyticsResponse) => {
      const resolve = pending.get(r.seq);
      pending.delete(r.seq);
      resolve?.(r.outcome);
    });
    w.on('error', (err) => failAll(`the analytics thread failed: ${err.message}`));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(`the analytics thread exited (code ${code})`);
    });
    // An idle analytics thread must not keep a stopping process alive.
    w.unref();
    return w;
  };

  return {
    query(trackingId) {
      return new Promise((resolve) => {
        const n = ++seq;
        pending.set(n, resolve);
        worker ??= start();
        const m: ToAnalytics = { seq: n, trackingId, nowMs: now().getTime() };
        worker.postMessage(m);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.postMessage({ type: 'close' } satisfies ToAnalytics);
      // A thread in the middle of a long scan finishes it first; do not wait for ever.
      const timer = setTimeout(() => void w.terminate(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
