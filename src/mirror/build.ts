/**
 * The heavy half of a sync: read the whole set from a source, validate it row by row (a
 * bad row is skipped and counted, never fatal), write it into a new mirror.db aside and
 * swap that in (builder.ts). It runs in the sync thread (build-worker.ts), never on the
 * thread that answers redirects; the serving process's index is brought in line
 * afterwards, by sync.ts.
 *
 * "Unchanged" is detected twice, cheapest first: a 304 to the listing's ETag (nothing
 * fetched), then an equal fingerprint of the validated set (fetched, but mirror.db is
 * not rewritten, so its identity stays and no serving process reloads).
 */
import { MirrorBuilder, type BuildDiff } from './builder.js';
import { MirrorError } from './errors.js';
import type { LinkSource } from './sources/types.js';
import { mirrorPath, peekSyncState } from './store.js';
import type { RejectReason } from './validate.js';

export type Rejected = Partial<Record<RejectReason, number>>;

export type BuildOutcome =
  /** Nothing written; the counts are those of the mirror as it was. */
  | { kind: 'unchanged'; by: 'etag' | 'fingerprint'; active: number; inactive: number; rejected: Rejected }
  /** A new mirror.db is in place; `identity` is its dev:ino (null if it vanished at once). */
  | { kind: 'swapped'; identity: string | null; diff: BuildDiff; active: number; inactive: number; rejected: Rejected };

/**
 * Rows between two turns of the sync thread's event loop. Not for latency (nothing is
 * served on this thread) but so an abort message from the serving thread is seen within
 * a few milliseconds even while a page's rows are being inserted.
 */
const ROWS_BETWEEN_TURNS = 2_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function buildMirror(source: LinkSource, opts: { dataDir: string; signal?: AbortSignal; startedAt: number; onProgress?: (rows: number) => void }): Promise<BuildOutcome> {
  const { dataDir, signal } = opts;
  const prev = peekSyncState(mirrorPath(dataDir));
  // The ETag only vouches for what this source sent last time, and only while the file
  // still holds exactly that (a miss-lookup upsert clears the fingerprint).
  const etag = prev && prev.source === source.id && prev.fingerprint !== null ? prev.etag : null;
  const listing = await source.open({ etag, ...(signal ? { signal } : {}) });
  const unchanged = (by: 'etag' | 'fingerprint', rejected: Rejected): BuildOutcome => ({
    kind: 'unchanged', by, active: prev?.active ?? 0, inactive: prev?.inactive ?? 0, rejected,
  });
  if (listing.unchanged) return unchanged('etag', prev?.rejected ?? {});

  const builder = new MirrorBuilder({ dataDir });
  try {
    let n = 0;
    for await (const page of listing.pages) {
      if (signal?.aborted) throw new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted');
      for (const raw of page) {
        builder.add(raw);
        if (++n % ROWS_BETWEEN_TURNS === 0) {
          opts.onProgress?.(n);
          await turn();
        }
      }
    }
    if (signal?.aborted) throw new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted');
    if (prev?.fingerprint && prev.fingerprint === builder.fingerprint()) {
      builder.abort();
      return unchanged('fingerprint', { ...builder.rejected });
    }
    builder.seal({ syncedAt: new Date().toISOString(), source: source.id, etag: listing.etag, durationMs: Date.now() - opts.startedAt });
    const diff = builder.diff();
    const { identity } = builder.swap();
    return { kind: 'swapped', identity, diff, active: builder.active, inactive: builder.inactive, rejected: { ...builder.rejected } };
  } catch (err) {
    builder.abort();
    throw err;
  }
}
