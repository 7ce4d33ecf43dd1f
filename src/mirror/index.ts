/**
 * Mirror stage — owns mirror.db (schema, atomic swap), the sync sources (main system
 * over HTTP, a local links file), link validation, the in-memory lookup index, the
 * sync schedule and the miss lookup. It never touches clicks.
 *
 * Entry points: `Mirror` for `serve`; `runSync` for `clickrelay sync`;
 * `readMirrorStatus` for `clickrelay status`; `validateLink` / `TRACKING_ID_PATTERN`
 * for anyone who must agree with the mirror about what a valid link or id is.
 */
export { Mirror, type MirrorOptions } from './mirror.js';
export { runSync, buildLimits, type SyncResult, type SyncDeps, type MirrorConfig } from './sync.js';
export { validateLink, TRACKING_ID_PATTERN, MAX_URL_LENGTH, REJECT_REASONS, type RejectReason, type MirrorLink, type ValidateResult } from './validate.js';
export { LinkIndex, MirrorIndexHolder, OVERLAY_MAX, type LinkEntry, type LinkMap } from './link-index.js';
export { MissLookup, isShed, type MissOutcome, type MissLookupOptions, type MissShed, type MissAdmission } from './miss-lookup.js';
export { SyncScheduler, validateSchedule, type SchedulerOptions } from './scheduler.js';
export { MirrorWatcher } from './watcher.js';
export { openLinkReader, LINK_INFO_FIELDS, type GuideLinkInfo, type LinkReader } from './link-reader.js';
export { MirrorWriter, mirrorPath, fileIdentity, peekSyncState, quarantineMirror, readMirrorTable, type SyncState, type MirrorTable } from './store.js';
export { loadMirror, type LoadedMirror } from './build-thread.js';
export { threadPriorityUnavailable, MIRROR_THREAD_NICE } from './thread-priority.js';
export { readMirrorStatus, readSyncRecord, SYNC_RECORD_FILE, type MirrorStatus, type SyncRecord } from './status.js';
export { MainSystemClient } from './http-client.js';
export { MirrorError, MIRROR_ERROR_CODES, type MirrorErrorCode } from './errors.js';
export type { MirrorHooks } from './hooks.js';
export { MIRROR_DB, SCHEMA_VERSION } from './schema.js';
