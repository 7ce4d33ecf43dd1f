/**
 * One mirror sync, in a mirror thread of its own (build/build-thread.ts): fetch the whole
 * set from the link source (the main system, or the links file standalone), validate it,
 * write it aside and swap the new mirror.db in (build/build-mirror.ts) — or find it
 * unchanged and write nothing — then, for a serving process, read the new file into a
 * packed link table (index/link-table.ts). The serving thread only swaps that table in, in
 * one assignment: a full re-sync on the serving thread would stall redirects for the
 * whole parse and double the index's memory during the swap. If anything fails before the
 * swap, the old mirror keeps serving and the error says why.
 */
import { performance } from 'node:perf_hooks';
import { ensureDataDir } from '../fs/data-dir.js';
import type { LinkSourcePort } from './ports.js';
import type { BuildOutcome } from './build/build-mirror.js';
import { buildInThread, loadMirror } from './build/build-thread.js';
import { MirrorError, toMirrorError } from './errors.js';
import { buildLimits } from './listing/sync-limits.js';
import { emit, type MirrorHooks } from './hooks.js';
import type { MirrorIndexHolder } from './table/link-index.js';
import { recordSyncOutcome } from './store/sync-record.js';
import type { SyncResult } from './sync-result.js';

export type { SyncResult };

/** What the mirror reads of the configuration, which src/config/load.ts has validated. */
export interface MirrorConfig {
  readonly storage: { readonly data_dir: string };
  readonly sync: {
    readonly schedule: string;
    readonly miss_ttl_seconds: number;
    readonly miss_lookup: boolean;
    readonly miss_timeout_ms: number;
    readonly page_size: number;
    readonly max_change_ratio: number;
    readonly max_pages: number;
    readonly deadline_seconds: number;
    readonly store_descriptions: boolean;
    readonly miss_max_in_flight: number;
  };
}

export interface SyncDeps {
  config: MirrorConfig;
  /**
   * Where the links come from: the port the registry opened (src/adapters/registry.ts: the
   * main system's, or the links file, listing/links-file-source.ts); null: nothing
   * configured, the sync fails saying so.
   */
  source: LinkSourcePort | null;
  /** The serving process's index: updated in place on a swap. Absent for `clickrelay sync`. */
  holder?: MirrorIndexHolder;
  signal?: AbortSignal;
  hooks?: MirrorHooks;
  /**
   * Told the identity of the mirror.db the holder now reflects, so the caller's watcher
   * does not reload our own swap; null when the holder could not be brought in line with
   * a swapped-in file (then the caller should reload).
   */
  onSwapped?: (identity: string | null) => void;
  /** Rows read from the source so far, every few thousand (`clickrelay sync` draws a progress bar). */
  onProgress?: (rows: number) => void;
  /** `clickrelay sync --force`: accept a listing sync.max_change_ratio would refuse. */
  force?: boolean;
}

const running = new Set<string>();

export async function runSync(deps: SyncDeps): Promise<SyncResult> {
  const dataDir = deps.config.storage.data_dir;
  if (running.has(dataDir)) throw new MirrorError('CR_ERR_MIRROR_BUSY', `a mirror sync of ${dataDir} is already running in this process`);
  running.add(dataDir);
  const t0 = performance.now();
  let secret: string | undefined;
  try {
    // `clickrelay sync` may be the first command on a fresh install: nothing made the folder yet.
    ensureDataDir(dataDir);
    if (deps.source === null) {
      throw new MirrorError('CR_ERR_MIRROR_NO_SOURCE', 'nothing to sync from: main_system.base_url and sync.file are both empty, and so is main_system.database_url');
    }
    const spec = deps.source.spec();
    secret = spec.secret;
    const outcome = await buildInThread({ dataDir, source: spec, startedAt: Date.now(), limits: buildLimits(deps.config.sync, deps.force), progress: deps.onProgress !== undefined }, deps.signal, deps.onProgress);
    const result = await settle(outcome, deps, deps.source.id, t0);
    recordSyncOutcome(dataDir, { result });
    emit(deps.hooks, 'onSync', result);
    return result;
  } catch (err) {
    const e = toMirrorError(err, secret);
    recordSyncOutcome(dataDir, { error: e });
    emit(deps.hooks, 'onSyncError', e);
    throw e;
  } finally {
    running.delete(dataDir);
  }
}

/** Bring the serving process's index in line with what the build did, and say what happened. */
async function settle(outcome: BuildOutcome, deps: SyncDeps, source: string, t0: number): Promise<SyncResult> {
  const common = { active: outcome.active, inactive: outcome.inactive, rejected: outcome.rejected, rejectedSamples: outcome.rejectedSamples, source };
  if (outcome.kind === 'unchanged') {
    return {
      changed: false, added: 0, removed: 0, changedUrl: 0, deactivated: 0, reactivated: 0,
      ...common, durationMs: Math.round(performance.now() - t0), unchangedBy: outcome.by,
    };
  }
  deps.onSwapped?.(outcome.identity);
  const holder = deps.holder;
  if (holder) {
    if (deps.signal?.aborted) {
      deps.onSwapped?.(null); // stopped before the new index went in: it lags the file
      throw new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted');
    }
    let loaded;
    try {
      // A second thread: the build's is gone by now, and its memory with it (build/build-thread.ts).
      loaded = await loadMirror(deps.config.storage.data_dir, deps.signal, deps.config.sync.store_descriptions);
    } catch (err) {
      // The new mirror is on disk but the index still holds the old one: say so.
      deps.onSwapped?.(null);
      throw err;
    }
    holder.replace(loaded.index);
    if (loaded.identity !== outcome.identity) deps.onSwapped?.(loaded.identity);
  }
  return { changed: true, ...outcome.diff, ...common, ...(outcome.forced ? { forced: true } : {}), durationMs: Math.round(performance.now() - t0) };
}
