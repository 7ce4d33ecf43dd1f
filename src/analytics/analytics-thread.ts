/**
 * The launcher and serving-side client of the analytics thread (analytics-worker.ts, speaking
 * analytics-protocol.ts): started on the first call, kept while the service runs. If the
 * thread dies, the calls it held fail (the guide's 500) and the next call starts a new one.
 *
 * One query is in the thread at a time; the others wait here, not in the thread's message
 * port, because a message once posted cannot be taken back. So a caller that goes away (its
 * request aborted) withdraws a waiting query and nobody computes it, and the queue is bounded:
 * past MAX_WAITING a query is answered `busy` at once (503 + Retry-After) instead of making every
 * later caller wait behind scans nobody reads (#26: 200 abandoned calls made the next one wait
 * 26.5 s). A query already in the thread runs to its end (a scan is one synchronous SQLite
 * call); its answer is dropped if its caller is gone.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker-launch.js';
import type { AnalyticsBoot, AnalyticsResponse, ToAnalytics } from './analytics-protocol.js';
import type { AnalyticsOutcome } from './statistics.js';

/** Queries waiting behind the one in the thread; one more is answered busy. */
export const MAX_WAITING = 8;

/** An analytics answer, or why there is none: the queue was full, or the caller withdrew. */
export type QueryResult = AnalyticsOutcome | { kind: 'busy' } | { kind: 'withdrawn' };

export interface AnalyticsThread {
  /** The id must already match the tracking-id pattern. An aborted `signal` withdraws the query. */
  query(trackingId: string, signal?: AbortSignal): Promise<QueryResult>;
  /** Queries waiting (not counting the one in the thread). */
  readonly waiting: number;
  close(): Promise<void>;
}

interface Job {
  seq: number;
  trackingId: string;
  resolve(r: QueryResult): void;
  /** Detaches the abort listener once the job is settled. */
  done(): void;
}

export function createAnalyticsThread(dataDir: string, now: () => Date = () => new Date()): AnalyticsThread {
  let worker: Worker | null = null;
  let seq = 0;
  const queue: Job[] = [];
  let running: Job | null = null;

  const settle = (job: Job, r: QueryResult) => {
    job.done();
    job.resolve(r);
  };
  const failAll = (detail: string) => {
    const jobs = running ? [running, ...queue] : [...queue];
    running = null;
    queue.length = 0;
    for (const job of jobs) settle(job, { kind: 'failed', part: 'unexpected', detail });
  };

  const start = (): Worker => {
    const w = startWorker(new URL('./analytics-worker.js', import.meta.url), { workerData: { dataDir } satisfies AnalyticsBoot });
    w.on('message', (r: AnalyticsResponse) => {
      const job = running;
      if (job?.seq !== r.seq) return;
      running = null;
      settle(job, r.outcome);
      next();
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

  /** Sends the oldest waiting query when the thread is free. */
  const next = () => {
    if (running || queue.length === 0) return;
    running = queue.shift()!;
    worker ??= start();
    const m: ToAnalytics = { seq: running.seq, trackingId: running.trackingId, nowMs: now().getTime() };
    worker.postMessage(m);
  };

  return {
    query(trackingId, signal) {
      if (signal?.aborted) return Promise.resolve({ kind: 'withdrawn' });
      if (queue.length >= MAX_WAITING) return Promise.resolve({ kind: 'busy' });
      return new Promise((resolve) => {
        const job: Job = { seq: ++seq, trackingId, resolve, done: () => undefined };
        if (signal) {
          const onAbort = () => {
            const i = queue.indexOf(job);
            if (i >= 0) queue.splice(i, 1); // never sent: nobody computes it
            // In the thread: it runs to its end; its answer goes nowhere.
            if (running === job) running = { ...job, resolve: () => undefined, done: () => undefined };
            settle(job, { kind: 'withdrawn' });
          };
          signal.addEventListener('abort', onAbort, { once: true });
          job.done = () => signal.removeEventListener('abort', onAbort);
        }
        queue.push(job);
        next();
      });
    },
    get waiting() {
      return queue.length;
    },
    async close() {
      const w = worker;
      worker = null;
      for (const job of queue.splice(0)) settle(job, { kind: 'failed', part: 'unexpected', detail: 'the service is stopping' });
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
