/**
 * Whether a freshly built listing may replace the mirror (sync.max_change_ratio).
 *
 * Hazard: a main system that drifts (`"is_active": "true"` as a string on every row), or
 * answers an empty listing for a moment, would otherwise "succeed" in wiping the mirror:
 * every redirect a 404, nothing counted as a failure. Decided here, after the build and
 * before the swap, for every source alike (HTTP, file, database), from the counts the
 * build already has.
 *
 * - A first sync (nothing in the mirror) has nothing to protect: never refused.
 * - The guard judges the change, not the listing's state: rows rejected by validation count
 *   only when they are newly rejected since the last accepted sync (per reason, against the
 *   counts that sync recorded). A listing with a steady few invalid rows (a NULL is_active the
 *   guide's DDL allows, a javascript: URL) otherwise refused every sync, and a link deactivated
 *   meanwhile kept redirecting. A link that was in the mirror and is now invalid is a removal
 *   as well, and the two are judged apart, so it is not counted twice against one allowance.
 * - Small mirrors: a ratio of a handful of links would refuse every ordinary edit, so
 *   changes of up to SMALL_CHANGE links always pass...
 * - ...but a listing that would leave a mirror that had active links with none is refused
 *   whatever its size: "suddenly empty" is the failure this guard exists for.
 */
import type { BuildDiff } from '../build/mirror-builder.js';
import { MirrorError } from '../errors.js';

/** Changes of this many links or fewer are never refused by the ratio. */
export const SMALL_CHANGE = 5;

export interface ChangeFacts {
  /** The mirror being replaced: every row, and the active ones. */
  before: { links: number; active: number };
  diff: BuildDiff;
  /** Rows of the listing rejected by validation. */
  rejected: number;
  /** Active links in the new set. */
  active: number;
  /** First ids (or `row N`) per reject reason, for the operator. */
  samples: Record<string, string[]>;
  rejectedByReason: Record<string, number>;
  /** Rejected rows per reason at the last accepted sync (its sync_state); empty when unknown. */
  rejectedBefore: Record<string, number>;
}

/** Rows rejected now beyond what the last accepted sync rejected for the same reason. */
export function newlyRejected(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [reason, n] of Object.entries(now)) {
    const more = n - (before[reason] ?? 0);
    if (more > 0) out[reason] = more;
  }
  return out;
}

/** Throws CR_ERR_MIRROR_REFUSED when the listing may not replace the mirror. */
export function checkChange(f: ChangeFacts, opts: { maxChangeRatio: number; force: boolean }): void {
  if (opts.force || opts.maxChangeRatio >= 1 || f.before.links === 0) return;
  const allowed = Math.max(opts.maxChangeRatio * f.before.links, SMALL_CHANGE);
  const lost = f.diff.removed + f.diff.deactivated;
  const why: string[] = [];
  if (lost > allowed) why.push(`it would remove or deactivate ${lost} of the mirror's ${f.before.links} links`);
  const fresh = newlyRejected(f.rejectedByReason, f.rejectedBefore);
  const freshTotal = Object.values(fresh).reduce((a, b) => a + b, 0);
  if (freshTotal > allowed) {
    why.push(`${freshTotal} of its rows are newly invalid since the last accepted sync (${f.rejected} invalid in all: ${summary(f.rejectedByReason, f.samples)})`);
  }
  if (f.before.active > 0 && f.active === 0 && why.length === 0) why.push(`it would leave none of the mirror's ${f.before.active} active links active`);
  if (why.length === 0) return;
  throw new MirrorError(
    'CR_ERR_MIRROR_REFUSED',
    `listing refused, the old mirror stays: ${why.join('; and ')}, more than sync.max_change_ratio = ${opts.maxChangeRatio} allows; ` +
      'check the main system, or accept it on purpose with `clickrelay sync --force`',
    {
      details: {
        mirror_links: f.before.links,
        mirror_active: f.before.active,
        allowed_changes: Math.floor(allowed),
        removed: f.diff.removed,
        deactivated: f.diff.deactivated,
        rejected: f.rejectedByReason,
        newly_rejected: fresh,
        rejected_samples: f.samples,
        new_active: f.active,
      },
    },
  );
}

/** `bad_is_active: 1000 (lt_a, lt_b, …)`, most frequent first. */
function summary(counts: Record<string, number>, samples: Record<string, string[]>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason}: ${n}${samples[reason]?.length ? ` (${samples[reason]!.join(', ')}${n > samples[reason]!.length ? ', …' : ''})` : ''}`)
    .join(', ');
}
