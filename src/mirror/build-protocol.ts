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
  | { kind: 'file'; path: string };

/** workerData of the mirror thread: a sync (source), a read of mirror.db into a link table (readTable), or both. */
export interface BuildJob {
  dataDir: string;
  /** Sync from this source; null: only read the file that is there. */
  source: SourceSpec | null;
  /** Read mirror.db into a link table (after the sync, if it swapped a new file in). */
  readTable: boolean;
  /** Date.now() when the sync started (performance.now() has another origin in each thread). */
  startedAt: number;
}

export type ToBuildThread = { type: 'abort' };

export interface WireError {
  code: MirrorErrorCode;
  message: string;
  status?: number;
}

export interface BuildResult {
  /** null when the job had no source */
  outcome: BuildOutcome | null;
  /** null when not asked for, or when the sync left the file as it was */
  loaded: MirrorTable | null;
  /** Why a swapped-in file could not be read back (the index then lags the file). */
  loadError: WireError | null;
}

export type FromBuildThread = ({ type: 'done' } & BuildResult) | { type: 'failed'; error: WireError };

export function toWire(e: MirrorError): WireError {
  return { code: e.code, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}) };
}

export function fromWire(w: WireError): MirrorError {
  return new MirrorError(w.code, w.message, w.status !== undefined ? { status: w.status } : {});
}
