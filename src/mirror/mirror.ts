/**
 * The mirror stage assembled for `clickrelay serve`: the index the redirect reads, the
 * scheduled sync that refreshes it, the watcher that picks up a mirror.db written by
 * `clickrelay sync` in another process, and the miss lookup. The service layer makes
 * one of these and wires its hooks to logs and metrics; it never reaches inside.
 */
import type { LinkLookup, LinkSourcePort } from './ports.js';
import type { LinkInfo } from '../types.js';
import { loadMirror } from './build/build-thread.js';
import { MirrorError } from './errors.js';
import { emit, type MirrorHooks } from './hooks.js';
import { MirrorIndexHolder, type LinkEntry } from './table/link-index.js';
import type { MirrorShare } from './mirror-view.js';
import { MissLookup, type MissAdmission, type MissShed } from './lookup/miss-lookup.js';
import { quarantineMirror } from './store/mirror-reader.js';
import { MirrorWriter } from './store/mirror-writer.js';
import { isReplaced, MirrorWatcher } from './store/replace-watcher.js';
import { SyncScheduler } from './sync-scheduler.js';
import { runSync, type MirrorConfig, type SyncResult } from './sync.js';

export interface MirrorOptions {
  config: MirrorConfig;
  /** What syncs read: the main system's port, or the links file; null: nothing to sync from (each sync fails saying so). */
  source: LinkSourcePort | null;
  /** The main system's one-link lookup for misses; null or absent: none (standalone). The mirror closes it on stop(). */
  lookup?: LinkLookup | null;
  hooks?: MirrorHooks;
  /** Rate caps on miss lookups (the service builds them from sync.miss_*). */
  missAdmission?: MissAdmission;
}

export class Mirror {
  readonly holder = new MirrorIndexHolder();
  readonly missLookup: MissLookup;
  readonly #config: MirrorConfig;
  readonly #hooks: MirrorHooks | undefined;
  readonly #source: LinkSourcePort | null;
  /** The link-lookup port: HTTP or PostgreSQL adapter, null standalone. */
  readonly #lookup: LinkLookup | null;
  readonly #writer: MirrorWriter;
  #identity: string | null = null;
  #scheduler: SyncScheduler | null = null;
  #watcher: MirrorWatcher | null = null;
  #syncing: Promise<SyncResult> | null = null;
  #reloading: Promise<void> | null = null;
  #recheck = false;
  #recheckAfterSync = false;
  readonly #stop = new AbortController();
  #loaded = false;
  lastResult: SyncResult | null = null;

  private constructor(opts: MirrorOptions) {
    const { config } = opts;
    this.#config = config;
    this.#hooks = opts.hooks;
    this.#source = opts.source;
    this.#lookup = opts.lookup ?? null;
    this.#writer = new MirrorWriter(config.storage.data_dir, { storeDescriptions: config.sync.store_descriptions });
    this.missLookup = new MissLookup({
      lookup: this.#lookup,
      holder: this.holder,
      writer: this.#writer,
      enabled: config.sync.miss_lookup,
      timeoutMs: config.sync.miss_timeout_ms,
      ttlSeconds: config.sync.miss_ttl_seconds,
      maxInFlight: config.sync.miss_max_in_flight,
      ...(opts.missAdmission ? { admission: opts.missAdmission } : {}),
      ...(this.#hooks ? { hooks: this.#hooks } : {}),
    });
  }

  /** Load mirror.db (an unreadable one is moved aside and we start empty). Does not sync: see start(). */
  static async open(opts: MirrorOptions): Promise<Mirror> {
    const m = new Mirror(opts);
    await m.#reload('startup');
    return m;
  }

  /**
   * True once the index reflects a mirror.db: one found at start-up, or the first successful
   * sync. Until then an unknown id says nothing about the link (a cold start has no mirror
   * yet), so the redirect must not call it dead.
   */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * What the other serving threads read (mirror-view.ts): the table in shared memory, and
   * whether it is a loaded mirror. `generation` changes with every swap.
   */
  share(): MirrorShare & { generation: number } {
    return { table: this.holder.current.data, loaded: this.#loaded, generation: this.holder.generation };
  }

  #onShare: ((share: MirrorShare) => void) | null = null;
  #shared = { generation: -1, loaded: false };

  /** Called with the new share after each swap, and once a mirror is loaded: the other serving threads' update. */
  onShareChange(fn: (share: MirrorShare) => void): void {
    this.#onShare = fn;
  }

  #shareChanged(): void {
    const now = this.share();
    if (this.#onShare === null || (now.generation === this.#shared.generation && now.loaded === this.#shared.loaded)) return;
    this.#shared = { generation: now.generation, loaded: now.loaded };
    this.#onShare({ table: now.table, loaded: now.loaded });
  }

  /** Hot path: one probe of the packed link table (an overlay Map get on a miss). */
  lookup(id: string): LinkEntry | undefined {
    return this.holder.lookup(id);
  }

  /** For the redirect: as lookupMiss, capped per client prefix; a shed lookup says when to retry. */
  answerMiss(id: string, clientKey: string): Promise<LinkInfo | null | MissShed> {
    return this.missLookup.answerMiss(id, clientKey);
  }

  /**
   * Sync now; a call while one runs shares it (the schedule's and the operator's alike).
   * Rejects with a MirrorError (the old mirror stays). `force` (`sync --force` through the
   * admin listener) accepts a listing sync.max_change_ratio would refuse: joining a running
   * sync that refused its listing, it then runs one forced sync of its own.
   */
  async sync(opts: { force?: boolean } = {}): Promise<SyncResult> {
    const running = this.#syncing;
    if (running === null) return this.#startSync(opts.force === true);
    if (opts.force !== true || this.#syncingForced) return running;
    try {
      return await running;
    } catch (err) {
      if ((err as { code?: string }).code !== 'CR_ERR_MIRROR_REFUSED') throw err;
      return this.sync(opts); // another caller may have started the forced one meanwhile
    }
  }

  #syncingForced = false;

  #startSync(force: boolean): Promise<SyncResult> {
    this.#syncingForced = force;
    const p = runSync({
      config: this.#config,
      source: this.#source,
      holder: this.holder,
      signal: this.#stop.signal,
      force,
      ...(this.#hooks ? { hooks: this.#hooks } : {}),
      onSwapped: (identity) => {
        this.#identity = identity;
        this.#repin();
        if (identity === null) void this.#reload('replaced').catch(() => undefined);
      },
    })
      .then((r) => {
        this.lastResult = r;
        this.#loaded = true;
        this.#shareChanged();
        return r;
      })
      .finally(() => {
        this.#syncing = null;
        this.#syncingForced = false;
        if (this.#recheckAfterSync) {
          this.#recheckAfterSync = false;
          this.checkReplaced();
        }
      });
    this.#syncing = p;
    return p;
  }

  /** Sync at start and on schedule; watch for mirror.db replaced by another process. */
  start(opts: { runAtStart?: boolean } = {}): void {
    if (this.#scheduler) return;
    this.#watcher = new MirrorWatcher({
      dataDir: this.#config.storage.data_dir,
      identity: () => this.#identity,
      onReplaced: () => this.#replacedElsewhere(),
    });
    this.#scheduler = new SyncScheduler({
      schedule: this.#config.sync.schedule,
      job: () => this.sync(),
      onTick: () => this.checkReplaced(),
      runAtStart: opts.runAtStart ?? true,
    });
  }

  /** True when mirror.db is another file than the one served (and a reload was started). */
  checkReplaced(): boolean {
    if (!isReplaced(this.#config.storage.data_dir, this.#identity)) return false;
    this.#replacedElsewhere();
    return true;
  }

  #replacedElsewhere(): void {
    // While a sync of ours runs, the swap seen is most likely its own, which the sync
    // loads itself (the sync thread renames the file a moment before it reports): reading
    // the same million links twice would double the work and the memory. Look again when
    // the sync is over; a file another process swapped in meanwhile is reloaded then.
    if (this.#syncing) {
      this.#recheckAfterSync = true;
      return;
    }
    void this.#reload('replaced');
  }

  /** Reload from mirror.db now (what the watcher does); resolves when the new index is in. */
  reload(): Promise<void> {
    return this.#reload('replaced');
  }

  #reload(reason: 'startup' | 'replaced'): Promise<void> {
    if (this.#reloading) {
      this.#recheck = true; // another swap landed while reading: look again when done
      return this.#reloading;
    }
    const p = this.#doReload(reason).finally(() => {
      this.#reloading = null;
      if (this.#recheck) {
        this.#recheck = false;
        this.checkReplaced();
      }
    });
    this.#reloading = p;
    return p;
  }

  async #doReload(reason: 'startup' | 'replaced'): Promise<void> {
    const t0 = performance.now();
    const gen = this.holder.generation;
    try {
      const loaded = await loadMirror(this.#config.storage.data_dir, this.#stop.signal, this.#config.sync.store_descriptions);
      // A sync of ours swapped in something newer while we read: keep that.
      if (this.holder.generation !== gen) return;
      this.holder.replace(loaded.index);
      this.#identity = loaded.identity;
      // A file without sync_state (none, or of another schema version) reads as empty: not a mirror yet.
      if (loaded.state !== null) this.#loaded = true;
      this.#shareChanged();
      this.#repin();
      emit(this.#hooks, 'onReload', { links: loaded.index.size, reason, durationMs: performance.now() - t0 });
    } catch (err) {
      const e = err instanceof MirrorError ? err : new MirrorError('CR_ERR_MIRROR_CORRUPT', String(err));
      if (e.code === 'CR_ERR_MIRROR_ABORTED') return;
      if (e.code === 'CR_ERR_MIRROR_CORRUPT') {
        let movedTo: string | null = null;
        try {
          movedTo = quarantineMirror(this.#config.storage.data_dir);
        } catch {
          // could not move it: the next sync's rename replaces it anyway
        }
        emit(this.#hooks, 'onCorrupt', e, movedTo);
        return;
      }
      // A healthy file we may not open stays where it is: at start-up that stops the start
      // (the operator must chown it back), later the index already loaded keeps serving.
      if (e.code === 'CR_ERR_MIRROR_PERMISSION' && reason === 'replaced') {
        emit(this.#hooks, 'onUnreadable', e);
        return;
      }
      throw e;
    }
  }

  #repin(): void {
    this.#writer.close();
    this.#writer.pin();
  }

  /** Stop ticking, abort a running sync or reload, close connections. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watcher?.close();
    await this.#scheduler?.stop();
    await this.#syncing?.catch(() => undefined);
    await this.#reloading?.catch(() => undefined);
    this.#writer.close();
    await this.#lookup?.close();
  }
}
