/**
 * What one operator-asked sync answers, as JSON: `clickrelay sync --json` prints it, and the
 * admin listener's POST /admin/sync answers it for the CLI (the same bytes either way, so a
 * script reads one shape whoever did the work). A refused listing is told apart from a failure.
 */
import type { SyncResult } from './sync-result.js';

export type SyncAnswer = ({ ok: true } & SyncResult) | { ok: false; refused: boolean; code: string | undefined; error: string; details?: Record<string, unknown> };

export const MIRROR_REFUSED = 'CR_ERR_MIRROR_REFUSED';

export function syncSucceeded(r: SyncResult): SyncAnswer {
  return { ok: true, ...r };
}

export function syncFailed(err: unknown): SyncAnswer {
  const e = err as Error & { code?: string; details?: Record<string, unknown> };
  return { ok: false, refused: e.code === MIRROR_REFUSED, code: e.code, error: e.message, ...(e.details ? { details: e.details } : {}) };
}
