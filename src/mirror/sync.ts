/**
 * One mirror sync: read the whole set from the source (main system over HTTP, or the
 * links file when base_url is empty), validate row by row — a bad row is skipped and
 * counted, never fatal — build it aside, and swap it in. If anything fails before the
 * swap, the old mirror keeps serving and the error says why.
 *
 * "Unchanged" is detected twice, cheapest first: a 304 to the listing's ETag (nothing
 * fetched), then an equal fingerprint of the validated set (fetched, but mirror.db is
 * not rewritten, so its identity stays and no serving process reloads).
 */
import { performance } from 'node:perf_hooks';
import { readApiKey, type ApiKey } from './api-key.js';
import { MirrorBuilder, type BuildDiff } from './builder.js';
import { MirrorError, redactSecret } from './errors.js';
import { emit, type MirrorHooks } from './hooks.js';
import { MainSystemClient } from './http-client.js';
import type { MirrorIndexHolder } from './link-index.js';
import { fileSource } from './sources/file-source.js';
import { httpSource } from './sources/http-source.js';
import type { LinkSource } from './sources/types.js';
import { recordSyncOutcome } from './status.js';
import { loadMirror, mirrorPath, peekSyncState } from './store.js';
import type { RejectReason } from './validate.js';

/**
 * The configuration keys the mirror reads (see src/config/schema.ts for meanings and
 * defaults). Spelled out rather than picked from `Config` so the stage depends on these
 * keys only; the resolved `Config` is assignable to it.
 */
export interface MirrorConfig {
  readonly storage: { readonly data_dir: string };
  readonly main_system: { readonly base_url: string; readonly api_key_file: string; readonly timeout_ms: number };
  readonly sync: {
    readonly schedule: string;
    readonly miss_ttl_seconds: number;
    readonly miss_lookup: boolean;
    readonly miss_timeout_ms: number;
    readonly page_size: number;
    readonly file: string;
  };
}

export interface SyncResult extends BuildDiff {
  /** False when the mirror was left as it was (304 or identical set). */
  changed: boolean;
  /** Links in the mirror after the sync. */
  active: number;
  inactive: number;
  rejected: Partial<Record<RejectReason, number>>;
  durationMs: number;
  /** The main system's base URL (scheme://host/path, no credentials) or 'file:<path>'. */
  source: string;
  /** Why nothing changed, when nothing did. */
  unchangedBy?: 'etag' | 'fingerprint';
}

export interface SyncDeps {
  config: MirrorConfig;
  /** The serving process's index: updated in place on a swap. Absent for `clickrelay sync`. */
  holder?: MirrorIndexHolder;
  /** Reused connection pool; otherwise one is made (and closed) for this sync. */
  client?: MainSystemClient;
  apiKey?: ApiKey;
  signal?: AbortSignal;
  hooks?: MirrorHooks;
  /**
   * Told the identity of the mirror.db the holder now reflects, so the caller's watcher
   * does not reload our own swap; null when the holder could not be brought in line with
   * a swapped-in file (then the caller should reload).
   */
  onSwapped?: (identity: string | null) => void;
  env?: NodeJS.ProcessEnv;
}

const running = new Set<string>();
const YIELD_EVERY = 2_000;
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function runSync(deps: SyncDeps): Promise<SyncResult> {
  const dataDir = deps.config.storage.data_dir;
  if (running.has(dataDir)) throw new MirrorError('CR_ERR_MIRROR_BUSY', `a mirror sync of ${dataDir} is already running in this process`);
  running.add(dataDir);
  const t0 = performance.now();
  let ownClient: MainSystemClient | null = null;
  let secret: string | undefined = deps.apiKey?.reveal();
  try {
    const { source, client, apiKey } = makeSource(deps);
    secret = apiKey?.reveal();
    if (client !== deps.client) ownClient = client;
    const result = await syncFrom(source, deps, t0);
    recordSyncOutcome(dataDir, { result });
    emit(deps.hooks, 'onSync', result);
    return result;
  } catch (err) {
    const e = asMirrorError(err, secret);
    recordSyncOutcome(dataDir, { error: e });
    emit(deps.hooks, 'onSyncError', e);
    throw e;
  } finally {
    running.delete(dataDir);
    await ownClient?.close();
  }
}

function makeSource(deps: SyncDeps): { source: LinkSource; client: MainSystemClient | null; apiKey: ApiKey | null } {
  const { main_system: ms, sync } = deps.config;
  if (ms.base_url !== '') {
    if (deps.client) return { source: httpSource(deps.client, sync.page_size), client: deps.client, apiKey: deps.apiKey ?? null };
    const apiKey = deps.apiKey ?? readApiKey(ms, deps.env);
    const client = new MainSystemClient({ baseUrl: ms.base_url, apiKey, timeoutMs: ms.timeout_ms });
    return { source: httpSource(client, sync.page_size), client, apiKey };
  }
  if (sync.file !== '') return { source: fileSource(sync.file), client: null, apiKey: null };
  throw new MirrorError('CR_ERR_MIRROR_NO_SOURCE', 'nothing to sync from: main_system.base_url and sync.file are both empty');
}

async function syncFrom(source: LinkSource, deps: SyncDeps, t0: number): Promise<SyncResult> {
  const dataDir = deps.config.storage.data_dir;
  const prev = peekSyncState(mirrorPath(dataDir));
  // The ETag only vouches for what this source sent last time, and only while the file
  // still holds exactly that (a miss-lookup upsert clears the fingerprint).
  const etag = prev && prev.source === source.id && prev.fingerprint !== null ? prev.etag : null;
  const signal = deps.signal;
  const listing = await source.open({ etag, ...(signal ? { signal } : {}) });

  const unchanged = (by: 'etag' | 'fingerprint', rejected: SyncResult['rejected']): SyncResult => ({
    changed: false, added: 0, removed: 0, changedUrl: 0, deactivated: 0, reactivated: 0,
    active: prev?.active ?? 0, inactive: prev?.inactive ?? 0,
    rejected, durationMs: Math.round(performance.now() - t0), source: source.id, unchangedBy: by,
  });
  if (listing.unchanged) return unchanged('etag', prev?.rejected ?? {});

  const holder = deps.holder;
  const builder = new MirrorBuilder({ dataDir });
  let swapped = false;
  try {
    let n = 0;
    for await (const page of listing.pages) {
      if (signal?.aborted) throw new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted');
      // Inserting is synchronous, and an async generator resumes in microtasks, which do
      // not let I/O in: without this, the serving process would hold every redirect for
      // as long as a page takes. setImmediate is a real turn of the event loop.
      for (const raw of page) {
        builder.add(raw);
        if (++n % YIELD_EVERY === 0) await yieldNow();
      }
    }
    if (prev?.fingerprint && prev.fingerprint === builder.fingerprint()) {
      builder.abort();
      return unchanged('fingerprint', { ...builder.rejected });
    }
    builder.seal({ syncedAt: new Date().toISOString(), source: source.id, etag: listing.etag, durationMs: performance.now() - t0 });
    const diff = builder.diff();
    const { identity } = builder.swap();
    swapped = true;
    deps.onSwapped?.(identity);
    if (holder) {
      // Read the new file back rather than building a Map while fetching: the read walks
      // the old index in step and shares its strings (see loadMirror), which is what keeps
      // a million-link re-sync inside its memory budget.
      const loaded = await loadMirror(dataDir, { previous: holder.current, ...(signal ? { signal } : {}) });
      holder.replace(loaded.index);
      if (loaded.identity !== identity) deps.onSwapped?.(loaded.identity);
    }
    return {
      changed: true, ...diff, active: builder.active, inactive: builder.inactive,
      rejected: { ...builder.rejected }, durationMs: Math.round(performance.now() - t0), source: source.id,
    };
  } catch (err) {
    builder.abort();
    // The new mirror is on disk but the index still holds the old one: say so.
    if (swapped && holder) deps.onSwapped?.(null);
    throw err;
  }
}

function asMirrorError(err: unknown, secret: string | undefined): MirrorError {
  if (err instanceof MirrorError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted', { cause: err });
  const detail = redactSecret(String(e.message ?? e.code ?? 'error'), secret);
  return new MirrorError('CR_ERR_MIRROR_STORE', `sync failed: ${detail}`, { cause: err });
}
