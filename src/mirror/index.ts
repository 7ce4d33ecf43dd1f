/**
 * Mirror stage — owns mirror.db (schema, atomic swap), the links file source, link
 * validation, the in-memory lookup index, the sync schedule and the miss lookup. It talks
 * to the main system only through the ports it declares (ports.ts), opened by the registry
 * (src/adapters/registry.ts) for whoever builds it, and reports the adapters' errors under
 * its own codes (errors.ts). It never touches clicks.
 *
 * Folders: fetch/ (the links file source, the guard rails of a listing), build/ (the
 * off-thread build of a new mirror.db and the thread that runs it), index/ (the packed
 * in-memory table the redirect reads), lookup/ (asking the main system about a miss),
 * store/ (mirror.db and its sidecar record); this folder: the facade (Mirror, runSync).
 *
 * This barrel exports what other stages use; tests import deep paths.
 */
export { Mirror, type MirrorOptions } from './mirror.js';
export { MirrorView, type MirrorShare, type ServingMirror } from './mirror-view.js';
export { runSync, type SyncResult, type MirrorConfig } from './sync.js';
export { linksFileSource } from './listing/links-file-source.js';
export { isShed, type MissAdmission } from './lookup/miss-lookup.js';
export { openLinkReader, type GuideLinkInfo, type LinkReader } from './store/link-reader.js';
export { threadPriorityUnavailable, MIRROR_THREAD_NICE } from './build/thread-priority.js';
export { readMirrorStatus, readSyncRecord } from './store/sync-record.js';
export type { MirrorError } from './errors.js';
export type { MirrorHooks } from './hooks.js';
