/**
 * Messages between the serving thread (build-thread.ts) and the mirror thread
 * (build-worker.ts). Structured-clone plain data only: a MirrorError crosses as its
 * code, message and status and is rebuilt on the other side; a link table's two
 * ArrayBuffers are transferred, not copied.
 */
import type { BuildOutcome } from './build.js';
import { MirrorError, type MirrorErrorCode } from './errors.js';
import type { MirrorTable } from './store.js';

/** Where the sync thread reads the set from; resolved (and the key read) by the serving thread. */
export type SourceSpec =
  | { kind: 'http'; baseUrl: string; apiKey: string; timeoutMs: number; pageSize: number }
  | { kind: 'file'; path: string }
  /** The guide's link_tracking table (main_system.database_url); the password read by the serving thread. */
  | { kind: 'postgres'; url: string; password: string | undefined; timeoutMs: number; pageSize: number };

/**
 * workerData of the mirror thread. One job per thread: a build (sync from `source`), or a
 * read of mirror.db into a link table (`source` null). A sync that swaps a new file in
 * reads it back in a second, fresh thread: by then the build's heap, buffers and SQLite
 * cache are gone, so they never add to the new table at the process's peak.
 */
export interface BuildJob {
  dataDir: string;
  /** Sync from this source; null: only read the file that is there. */
  source: SourceSpec | null;
  /** Date.now() when the sync started (performance.now() has another origin in each thread). */
  startedAt: number;
  /** Post `progress` messages (only `clickrelay sync` on a terminal asks: serve never does). */
  progress?: boolean;
  /** What a build may do (build.ts); for a read job, only storeDescriptions matters (an old file's migration). */
  limits: BuildLimits;
}

/** The sync's guard rails, applied to every source alike (build.ts). */
export interface BuildLimits {
  /** sync.max_change_ratio: share of the current mirror a listing may reject, remove or deactivate. */
  maxChangeRatio: number;
  /** `clickrelay sync --force`: accept a listing the ratio would refuse. */
  force: boolean;
  /** Listing pages one sync may read (already resolved: never 0). */
  maxPages: number;
  /** Longest the build may take, from startedAt. */
  deadlineMs: number;
  /** sync.store_descriptions. */
  storeDescriptions: boolean;
}

export type ToBuildThread = { type: 'abort' };

export interface WireError {
  code: MirrorErrorCode;
  message: string;
  status?: number;
  details?: Record<string, unknown>;
}

export type FromBuildThread =
  | { type: 'built'; outcome: BuildOutcome }
  | { type: 'read'; loaded: MirrorTable }
  | { type: 'failed'; error: WireError }
  /** rows read from the source so far (for `clickrelay sync`'s progress bar) */
  | { type: 'progress'; rows: number };

export function toWire(e: MirrorError): WireError {
  return { code: e.code, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}), ...(e.details ? { details: e.details } : {}) };
}

export function fromWire(w: WireError): MirrorError {
  return new MirrorError(w.code, w.message, { ...(w.status !== undefined ? { status: w.status } : {}), ...(w.details ? { details: w.details } : {}) });
}
