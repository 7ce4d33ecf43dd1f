/**
 * The heavy half of a sync: read the whole set from a source, validate it row by row (a
 * bad row is skipped and counted, never fatal), write it into a new mirror.db aside and
 * swap that in (mirror-builder.ts). It runs in the sync thread (build-worker.ts), never on
 * the thread that answers redirects; the serving process's index is brought in line
 * afterwards, by ../sync.ts.
 *
 * "Unchanged" is detected twice, cheapest first: a 304 to the listing's ETag (nothing
 * fetched), then an equal fingerprint of the validated set (fetched, but mirror.db is
 * not rewritten, so its identity stays and no serving process reloads).
 *
 * The guard rails live here, not in a source, so every source (HTTP, file, database) has
 * them: a deadline for the whole sync and a cap on listing pages (a main system that hands
 * out new cursors for ever must not keep a sync running for ever), and the change guard
 * (../fetch/change-guard.ts) between the build and the swap.
 */
import type { LinkSource } from '../ports.js';
import { MirrorError } from '../errors.js';
import { checkChange } from '../listing/change-guard.js';
import type { BuildLimits } from '../listing/sync-limits.js';
import { mirrorPath } from '../store/mirror-path.js';
import { peekSyncState } from '../store/mirror-reader.js';
import type { RejectReason } from '../validate.js';
import { MirrorBuilder, type BuildDiff } from './mirror-builder.js';

export type Rejected = Partial<Record<RejectReason, number>>;
export type RejectedSamples = Partial<Record<RejectReason, string[]>>;

export type BuildOutcome =
  /** Nothing written; the counts are those of the mirror as it was. */
  | { kind: 'unchanged'; by: 'etag' | 'fingerprint'; active: number; inactive: number; rejected: Rejected; rejectedSamples: RejectedSamples }
  /** A new mirror.db is in place; `identity` is its dev:ino (null if it vanished at once). */
  | { kind: 'swapped'; identity: string | null; diff: BuildDiff; active: number; inactive: number; rejected: Rejected; rejectedSamples: RejectedSamples; forced: boolean };

/**
 * Rows between two turns of the sync thread's event loop. Not for latency (nothing is
 * served on this thread) but so an abort message from the serving thread is seen within
 * a few milliseconds even while a page's rows are being inserted.
 */
const ROWS_BETWEEN_TURNS = 2_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function buildMirror(
  source: LinkSource,
  opts: { dataDir: string; signal?: AbortSignal; startedAt: number; limits: BuildLimits; onProgress?: (rows: number) => void },
): Promise<BuildOutcome> {
  const { dataDir, limits } = opts;
  // One signal for the source's requests: stopped by a shutdown or by the deadline, told
  // apart afterwards so the error says which.
  const deadline = AbortSignal.timeout(Math.max(1, opts.startedAt + limits.deadlineMs - Date.now()));
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const stopped = (): MirrorError | null => {
    if (opts.signal?.aborted) return new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted');
    if (deadline.aborted) return new MirrorError('CR_ERR_MIRROR_DEADLINE', `the sync did not finish within sync.deadline_seconds = ${Math.round(limits.deadlineMs / 1000)}; the old mirror stays`);
    return null;
  };
  try {
    return await build(source, dataDir, limits, signal, stopped, opts.startedAt, opts.onProgress);
  } catch (err) {
    throw stopped() ?? err;
  }
}

async function build(
  source: LinkSource,
  dataDir: string,
  limits: BuildLimits,
  signal: AbortSignal,
  stopped: () => MirrorError | null,
  startedAt: number,
  onProgress?: (rows: number) => void,
): Promise<BuildOutcome> {
  const prev = peekSyncState(mirrorPath(dataDir));
  // The ETag only vouches for what this source sent last time, and only while the file
  // still holds exactly that (a miss-lookup upsert clears the fingerprint).
  const etag = prev && prev.source === source.id && prev.fingerprint !== null ? prev.etag : null;
  const listing = await source.open({ etag, signal });
  const unchanged = (by: 'etag' | 'fingerprint', rejected: Rejected, rejectedSamples: RejectedSamples): BuildOutcome => ({
    kind: 'unchanged', by, active: prev?.active ?? 0, inactive: prev?.inactive ?? 0, rejected, rejectedSamples,
  });
  if (listing.unchanged) return unchanged('etag', prev?.rejected ?? {}, {});

  const builder = new MirrorBuilder({ dataDir, storeDescriptions: limits.storeDescriptions });
  try {
    let n = 0;
    let pages = 0;
    for await (const page of listing.pages) {
      const halt = stopped();
      if (halt) throw halt;
      if (++pages > limits.maxPages) {
        throw new MirrorError('CR_ERR_MIRROR_PAGE_CAP', `the listing went on past sync.max_pages = ${limits.maxPages} pages (${n} links read); the old mirror stays`);
      }
      for (const raw of page) {
        builder.add(raw);
        if (++n % ROWS_BETWEEN_TURNS === 0) {
          onProgress?.(n);
          await turn();
        }
      }
    }
    const halt = stopped();
    if (halt) throw halt;
    if (prev?.fingerprint && prev.fingerprint === builder.fingerprint()) {
      builder.abort();
      return unchanged('fingerprint', { ...builder.rejected }, { ...builder.rejectedSamples });
    }
    builder.seal({ syncedAt: new Date().toISOString(), source: source.id, etag: listing.etag, durationMs: Date.now() - startedAt });
    const { diff, before } = builder.diff();
    const facts = { before, diff, rejected: builder.rejectedTotal, active: builder.active, rejectedByReason: { ...builder.rejected }, samples: { ...builder.rejectedSamples }, rejectedBefore: prev?.rejected ?? {} };
    // Checked unforced even under --force, so the result can say a refusal was overridden.
    let forced = false;
    try {
      checkChange(facts, { maxChangeRatio: limits.maxChangeRatio, force: false });
    } catch (err) {
      if (!limits.force) throw err;
      forced = true;
    }
    const { identity } = builder.swap();
    return {
      kind: 'swapped', identity, diff, active: builder.active, inactive: builder.inactive,
      rejected: { ...builder.rejected }, rejectedSamples: { ...builder.rejectedSamples }, forced,
    };
  } catch (err) {
    builder.abort();
    throw err;
  }
}
