/**
 * The sync's guard rails, from the configuration (and `--force`), applied to every source
 * alike by the build (build/build-mirror.ts).
 */
export interface BuildLimits {
  /** sync.max_change_ratio: share of the current mirror a listing may reject, remove or deactivate. */
  maxChangeRatio: number;
  /** `clickrelay sync --force`: accept a listing the ratio would refuse. */
  force: boolean;
  /** Listing pages one sync may read (already resolved: never 0). */
  maxPages: number;
  /** Longest the build may take, from its start. */
  deadlineMs: number;
  /** sync.store_descriptions. */
  storeDescriptions: boolean;
}

/** sync.max_pages = 0: enough pages for this many links at sync.page_size. */
export const DEFAULT_MAX_LINKS = 10_000_000;

export function buildLimits(
  sync: { max_change_ratio: number; max_pages: number; page_size: number; deadline_seconds: number; store_descriptions: boolean },
  force = false,
): BuildLimits {
  return {
    maxChangeRatio: sync.max_change_ratio,
    force,
    maxPages: sync.max_pages > 0 ? sync.max_pages : Math.ceil(DEFAULT_MAX_LINKS / sync.page_size),
    deadlineMs: sync.deadline_seconds * 1000,
    storeDescriptions: sync.store_descriptions,
  };
}
