/** What one sync did: returned by runSync, told to the hooks, kept in mirror-sync.json. */
import type { BuildDiff } from './build/mirror-builder.js';
import type { RejectReason } from './validate.js';

export interface SyncResult extends BuildDiff {
  /** False when the mirror was left as it was (304 or identical set). */
  changed: boolean;
  /** Links in the mirror after the sync. */
  active: number;
  inactive: number;
  rejected: Partial<Record<RejectReason, number>>;
  /** The first few ids (or `row N`) per reject reason. */
  rejectedSamples: Partial<Record<RejectReason, string[]>>;
  /** True when `--force` accepted a listing the change guard would have refused. */
  forced?: boolean;
  durationMs: number;
  /** The main system's base URL (scheme://host/path, no credentials) or 'file:<path>'. */
  source: string;
  /** Why nothing changed, when nothing did. */
  unchangedBy?: 'etag' | 'fingerprint';
}
