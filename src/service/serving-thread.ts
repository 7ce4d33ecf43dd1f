/**
 * The main thread's side of the serving threads k ≥ 1 (server.threads > 1): starts each
 * (serving-worker.ts, through lib/worker-launch.ts), answers what they ask (the day's session
 * key, miss lookups), posts the mirror's table at each swap and the country database at each
 * replacement with the opt-out pages naming it (and hears when each thread has it in use), sums their metrics at a scrape,
 * hands each shard's ops line to the service (the shipper, retention), stops them in two steps
 * like the main thread's own listener, and restarts one that dies: logged with
 * CR_ERR_SERVING_THREAD_DIED, and its shard reopened and checked as at start-up by the new
 * thread's writer.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { CountryShare } from '../country/country-share.js';
import { ClickrelayError, describeCause } from '../errors.js';
import { answerKeyQuestion, keyAnswerBuffer, type SessionKeyStore } from '../keys/index.js';
import type { SharedBuckets } from '../lib/shared-rate-limit.js';
import { startWorker } from '../lib/worker-launch.js';
import type { Mirror } from '../mirror/index.js';
import type { OptOutPagesHolder } from '../notice/opt-out-cookie.js';
import type { Logger } from '../observe/logger.js';
import type { FromServing, MissAnswer, ServingBoot, ToServing } from './serving-protocol.js';

/**
 * Each serving thread is a V8 isolate of its own, and V8 sizes a worker's young generation as
 * for a main thread (16 MB here): memory every further thread adds to the process's RSS for
 * objects that live a request or a commit round. 4 MB keeps a thread's heap near what it
 * holds (#22 aims at RSS with 4 threads within 1.3× of 1 thread); the scavenges it costs do not show
 * in CPU per click (README, Benchmarks).
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5_000;
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface ServingThreadsDeps {
  config: Config;
  threads: number;
  port: number;
  acceptNewOutbox: boolean;
  mirror: Mirror;
  keys: SessionKeyStore;
  buckets: SharedBuckets | null;
  /**
   * The opt-out pages served now on the main thread: a thread that starts or restarts takes
   * them, and they go with each replaced country database (rebuilt before it is published).
   */
  optOutPages: Readonly<OptOutPagesHolder>;
  /** The country database in use on the main thread now (a thread that starts or restarts takes it); null when privacy.country is off. */
  country: (() => CountryShare) | null;
  log: Logger;
  /** Shard k's writer can be reached on `line` (at start, and again after each restart of thread k). */
  onShard(k: number, line: MessagePort): void;
  /** Thread k committed clicks: the shipper may look. */
  onCommitted(k: number): void;
}

/** One serving thread k ≥ 1 and its restarts. */
class ServingThread {
  worker!: Worker;
  readonly #keyAnswers = keyAnswerBuffer();
  #started: ((err: Error | null) => void) | null = null;
  #waits = new Map<string, () => void>();
  #scrapes = new Map<number, (metrics: unknown[]) => void>();
  #reloads = new Map<number, (error: string | null) => void>();
  /** Waiting for the thread to have a country database of at least this generation in use. */
  #countries = new Map<number, (error: string | null) => void>();
  #ids = 0;
  #stopping = false;
  /** A worker runs (false between its exit and its restart, and once stopped). */
  #running = false;
  #exited: Promise<void> = Promise.resolve();
  #respawnDelay = RESPAWN_MIN_MS;
  #respawnTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly k: number,
    private readonly d: ServingThreadsDeps,
  ) {}

  /** Resolves once the thread listens; rejects with its start-up error (a coded one when it had a code). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#started = (err) => (err ? reject(err) : resolve());
      this.#spawn(false);
    });
  }

  #spawn(restart: boolean): void {
    const share = this.d.mirror.share();
    const boot: ServingBoot = {
      config: this.d.config,
      shard: this.k,
      port: this.d.port,
      // At a restart the shard is checked as at start-up: only the operator may accept a loss.
      acceptNewOutbox: restart ? false : this.d.acceptNewOutbox,
      mirror: { table: share.table, loaded: share.loaded },
      keyAnswers: this.#keyAnswers,
      buckets: this.d.buckets,
      optOutPages: this.d.optOutPages.current,
      country: this.d.country?.() ?? null,
    };
    const worker = startWorker(new URL('./serving-worker.js', import.meta.url), { workerData: boot, resourceLimits: RESOURCE_LIMITS });
    let lastError = '';
    worker.on('message', (m: FromServing) => this.#onMessage(m));
    worker.on('error', (err) => {
      lastError = describeCause(err);
    });
    this.#exited = new Promise((resolve) => worker.once('exit', (code) => {
      this.#onExit(code, lastError);
      resolve();
    }));
    this.worker = worker;
    this.#running = true;
  }

  post(m: ToServing): void {
    this.worker.postMessage(m);
  }

  #onMessage(m: FromServing): void {
    switch (m.kind) {
      case 'listening':
        this.#respawnDelay = RESPAWN_MIN_MS;
        this.#started?.(null);
        this.#started = null;
        break;
      case 'failed': {
        const err = m.code ? new ClickrelayError(m.code, m.message) : new Error(`serving thread ${this.k} could not start: ${m.message}`);
        if (this.#started) {
          this.#started(err);
          this.#started = null;
        } else this.d.log.error({ event: 'serving_thread_failed', thread: this.k, ...(m.code ? { code: m.code } : {}) }, `serving thread ${this.k} could not start again: ${m.message}`);
        break;
      }
      case 'ops-line':
        this.d.onShard(this.k, m.port);
        break;
      case 'committed':
        this.d.onCommitted(this.k);
        break;
      case 'key':
        answerKeyQuestion(this.d.keys, this.#keyAnswers, m);
        break;
      case 'miss':
        this.d.mirror.answerMiss(m.trackingId, m.clientKey).then(
          (link) => this.post({ kind: 'miss-answer', id: m.id, answer: link && 'shed' in link ? link : link ? { original_url: link.original_url, is_active: link.is_active } : null } satisfies { answer: MissAnswer } & ToServing),
          (err: unknown) => this.post({ kind: 'miss-answer', id: m.id, answer: null, failed: describeCause(err) }),
        );
        break;
      case 'scraped':
        this.#scrapes.get(m.id)?.(m.metrics);
        this.#scrapes.delete(m.id);
        break;
      case 'reloaded':
        this.#reloads.get(m.id)?.(m.error);
        this.#reloads.delete(m.id);
        break;
      case 'country-taken':
        // A thread that started with a newer database answers an older share with that one's generation.
        for (const [generation, done] of this.#countries) {
          if (generation > m.generation) continue;
          done(generation === m.generation ? m.error : null);
          this.#countries.delete(generation);
        }
        break;
      case 'log':
        this.#relog(m.line);
        break;
      case 'drained':
      case 'stopped':
        this.#waits.get(m.kind)?.();
        this.#waits.delete(m.kind);
        break;
    }
  }

  /** A serving thread's log line, written by the main thread's logger with the thread's number. */
  #relog(line: string): void {
    try {
      const { level, msg, time: _t, pid: _p, hostname: _h, service: _s, ...fields } = JSON.parse(line) as Record<string, unknown>;
      this.d.log[LEVELS[level as number] ?? 'info']({ ...fields, thread: this.k }, String(msg ?? ''));
    } catch {
      this.d.log.info({ thread: this.k }, line.trim());
    }
  }

  #onExit(code: number, lastError: string): void {
    this.#running = false;
    for (const done of this.#waits.values()) done();
    this.#waits.clear();
    for (const done of this.#scrapes.values()) done([]);
    this.#scrapes.clear();
    for (const done of this.#reloads.values()) done(`serving thread ${this.k} exited`);
    this.#reloads.clear();
    // Restarted, the thread takes the database in use then (#spawn): nothing is owed.
    for (const done of this.#countries.values()) done(null);
    this.#countries.clear();
    if (this.#started) {
      this.#started(new Error(`serving thread ${this.k} exited while starting (code ${code}${lastError ? `: ${lastError}` : ''})`));
      this.#started = null;
      return;
    }
    if (this.#stopping) return;
    this.d.log.error(
      { event: 'serving_thread_died', code: 'CR_ERR_SERVING_THREAD_DIED', thread: this.k, exit_code: code },
      `serving thread ${this.k} exited (code ${code}${lastError ? `: ${lastError}` : ''}); restarting it, its outbox shard is reopened and checked`,
    );
    const delay = this.#respawnDelay;
    this.#respawnDelay = Math.min(RESPAWN_MAX_MS, delay * 2);
    this.#respawnTimer = setTimeout(() => {
      this.#respawnTimer = null;
      if (!this.#stopping) this.#spawn(true);
    }, delay);
  }

  /*
   * Between a thread's exit and its restart there is no worker to answer: a message posted to
   * the dead one would wait forever (a scrape, a TLS reload, or the drain of a SIGTERM).
   * Each call below answers at once then, with what the restarted thread will do anyway.
   */

  #ask<K extends 'drained' | 'stopped'>(kind: K, m: ToServing): Promise<void> {
    if (!this.#running) return Promise.resolve(); // nothing to drain or stop (and #stopping keeps it from restarting)
    return new Promise((resolve) => {
      this.#waits.set(kind, resolve);
      this.post(m);
    });
  }

  scrape(): Promise<unknown[]> {
    if (!this.#running) return Promise.resolve([]); // its counters died with it
    const id = ++this.#ids;
    return new Promise((resolve) => {
      this.#scrapes.set(id, resolve);
      this.post({ kind: 'scrape', id });
    });
  }

  reloadTls(): Promise<string | null> {
    if (!this.#running) return Promise.resolve(null); // it reads the files when it restarts
    const id = ++this.#ids;
    return new Promise((resolve) => {
      this.#reloads.set(id, resolve);
      this.post({ kind: 'reload-tls', id });
    });
  }

  /** Resolves once the thread has this database (or a newer one) in use; with the error when it could not take it. */
  takeCountry(share: CountryShare): Promise<string | null> {
    if (!this.#running) return Promise.resolve(null); // it takes the database in use when it restarts (#spawn)
    return new Promise((resolve) => {
      this.#countries.set(share.generation, resolve);
      this.post({ kind: 'country', ...share, optOutPages: this.d.optOutPages.current });
    });
  }

  drain(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#respawnTimer) clearTimeout(this.#respawnTimer);
    return this.#ask('drained', { kind: 'drain', graceMs });
  }

  async close(): Promise<void> {
    this.#stopping = true;
    await this.#ask('stopped', { kind: 'close' });
    await this.#exited;
  }

}

export class ServingThreads {
  private constructor(readonly threads: readonly ServingThread[]) {}

  /** Starts threads 1 … threads-1; resolves once all listen, or rejects with the first failure (the others are ended). */
  static async start(d: ServingThreadsDeps): Promise<ServingThreads> {
    const threads = Array.from({ length: d.threads - 1 }, (_, i) => new ServingThread(i + 1, d));
    const started = await Promise.allSettled(threads.map((t) => t.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // The others stop as at SIGTERM: Worker.terminate() with uWS sockets open would abort the process.
      await Promise.all(threads.map((t, i) => (started[i]!.status === 'fulfilled' ? t.drain(0).then(() => t.close()) : undefined)));
      throw failed.reason;
    }
    return new ServingThreads(threads);
  }

  /** The mirror's current table to every thread (after a swap, or once a mirror is loaded). */
  publishMirror(share: { table: ServingBoot['mirror']['table']; loaded: boolean }): void {
    for (const t of this.threads) t.post({ kind: 'mirror', table: share.table, loaded: share.loaded });
  }

  /**
   * A replaced country database the main thread accepted, to every thread; resolves once each
   * has it in use, with the threads that could not take it ("thread k: why"), who keep theirs.
   */
  async publishCountry(share: CountryShare): Promise<string[]> {
    const errors = await Promise.all(this.threads.map((t) => t.takeCountry(share)));
    return errors.flatMap((e, i) => (e === null ? [] : [`serving thread ${this.threads[i]!.k}: ${e}`]));
  }

  /** Every thread's serving metrics (prom-client JSON), for the main thread's /metrics to sum. */
  scrape(): Promise<unknown[][]> {
    return Promise.all(this.threads.map((t) => t.scrape()));
  }

  async reloadTls(): Promise<void> {
    const errors = (await Promise.all(this.threads.map((t) => t.reloadTls()))).filter((e): e is string => e !== null);
    if (errors.length > 0) throw new Error(`TLS reload failed in a serving thread: ${errors.join('; ')}`);
  }

  drain(graceMs: number): Promise<void> {
    return Promise.all(this.threads.map((t) => t.drain(graceMs))).then(() => undefined);
  }

  close(): Promise<void> {
    return Promise.all(this.threads.map((t) => t.close())).then(() => undefined);
  }
}
