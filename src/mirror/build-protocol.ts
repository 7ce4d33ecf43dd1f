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
}

export type ToBuildThread = { type: 'abort' };

export interface WireError {
  code: MirrorErrorCode;
  message: string;
  status?: number;
}

export type FromBuildThread =
  | { type: 'built'; outcome: BuildOutcome }
  | { type: 'read'; loaded: MirrorTable }
  | { type: 'failed'; error: WireError };

export function toWire(e: MirrorError): WireError {
  return { code: e.code, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}) };
}

export function fromWire(w: WireError): MirrorError {
  return new MirrorError(w.code, w.message, w.status !== undefined ? { status: w.status } : {});
}
