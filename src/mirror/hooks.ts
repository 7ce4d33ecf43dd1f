/**
 * Operational events of the mirror stage, as plain callbacks: the service layer turns
 * them into log lines and Prometheus metrics together, so this stage imports neither.
 * A hook that throws is ignored (it must not be able to fail a sync).
 */
import type { MirrorError } from './errors.js';
import type { MissOutcome } from './lookup/miss-outcome.js';
import type { SyncResult } from './sync-result.js';

export interface MirrorHooks {
  onSync?(result: SyncResult): void;
  onSyncError?(err: MirrorError): void;
  onMissLookup?(outcome: MissOutcome): void;
  /** The index was replaced by a mirror.db another process wrote (`clickrelay sync`), or at start-up. */
  onReload?(info: { links: number; reason: 'startup' | 'replaced'; durationMs: number }): void;
  /** An unreadable mirror.db was moved aside; the service starts empty and syncs. */
  onCorrupt?(err: MirrorError, movedTo: string | null): void;
  /** A replaced mirror.db this user may not open (CR_ERR_MIRROR_PERMISSION): left in place, the loaded index keeps serving. */
  onUnreadable?(err: MirrorError): void;
}

export function emit<K extends keyof MirrorHooks>(hooks: MirrorHooks | undefined, name: K, ...args: Parameters<NonNullable<MirrorHooks[K]>>): void {
  const fn = hooks?.[name] as ((...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn(...args);
  } catch {
    // see header
  }
}
