/**
 * Messages between the serving thread (build-thread.ts) and the mirror thread
 * (build-worker.ts). Structured-clone plain data only: a MirrorError crosses as its
 * code, message and status and is rebuilt on the other side; a link table's two
 * ArrayBuffers are transferred, not copied.
 */
import type { LinkSourceSpec } from '../ports.js';
import { MirrorError, type MirrorErrorCode } from '../errors.js';
import type { BuildLimits } from '../listing/sync-limits.js';
import type { MirrorTable } from '../store/mirror-reader.js';
import type { BuildOutcome } from './build-mirror.js';

/**
 * workerData of the mirror thread. One job per thread: a build (sync from `source`), or a
 * read of mirror.db into a link table (`source` null). A sync that swaps a new file in
 * reads it back in a second, fresh thread: by then the build's heap, buffers and SQLite
 * cache are gone, so they never add to the new table at the process's peak.
 */
export interface BuildJob {
  dataDir: string;
  /** Sync from the source this opens (credentials already read); null: only read the file that is there. */
  source: LinkSourceSpec | null;
  /** Date.now() when the sync started (performance.now() has another origin in each thread). */
  startedAt: number;
  /** Post `progress` messages (only `clickrelay sync` on a terminal asks: serve never does). */
  progress?: boolean;
  /** What a build may do (build-mirror.ts); for a read job, only storeDescriptions matters (an old file's migration). */
  limits: BuildLimits;
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
