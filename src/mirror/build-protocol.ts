/**
 * Messages between the serving thread (build-thread.ts) and the sync thread
 * (build-worker.ts). Structured-clone plain data only: a MirrorError crosses as its
 * code, message and status and is rebuilt on the other side.
 */
import type { BuildOutcome } from './build.js';
import { MirrorError, type MirrorErrorCode } from './errors.js';

/** Where the sync thread reads the set from; resolved (and the key read) by the serving thread. */
export type SourceSpec =
  | { kind: 'http'; baseUrl: string; apiKey: string; timeoutMs: number; pageSize: number }
  | { kind: 'file'; path: string };

/** workerData of the sync thread. */
export interface BuildJob {
  dataDir: string;
  source: SourceSpec;
  /** Date.now() when the sync started (performance.now() has another origin in each thread). */
  startedAt: number;
}

export type ToBuildThread = { type: 'abort' };

export interface WireError {
  code: MirrorErrorCode;
  message: string;
  status?: number;
}

export type FromBuildThread = { type: 'done'; outcome: BuildOutcome } | { type: 'failed'; error: WireError };

export function toWire(e: MirrorError): WireError {
  return { code: e.code, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}) };
}

export function fromWire(w: WireError): MirrorError {
  return new MirrorError(w.code, w.message, w.status !== undefined ? { status: w.status } : {});
}
