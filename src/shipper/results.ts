/**
 * Reads a record-clicks answer: `{"results":[{"click_id","status":"recorded"|"duplicate"|"rejected","error"?}]}`.
 * Only results for clicks of this batch count; a click with no (or an unknown) status is
 * unanswered and is sent again.
 */
import type { Item } from './wire.js';

export interface BatchOutcome {
  /** seqs of the clicks recorded or duplicate */
  acked: number[];
  duplicates: number;
  rejected: { click_id: string; reason: string }[];
  unanswered: Item[];
}

/** null when the body is not a results answer at all. */
export function readResults(body: string, items: readonly Item[], scrub: (s: string) => string = (s) => s): BatchOutcome | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return null;
  const status = new Map<string, { status: unknown; error: unknown }>();
  for (const r of results as unknown[]) {
    const e = r as { click_id?: unknown; status?: unknown; error?: unknown } | null;
    if (e && typeof e.click_id === 'string') status.set(e.click_id, { status: e.status, error: e.error });
  }
  const out: BatchOutcome = { acked: [], duplicates: 0, rejected: [], unanswered: [] };
  for (const it of items) {
    const r = status.get(it.id);
    if (r?.status === 'recorded') out.acked.push(it.seq);
    else if (r?.status === 'duplicate') {
      out.acked.push(it.seq);
      out.duplicates++;
    } else if (r?.status === 'rejected') {
      const why = typeof r.error === 'string' && r.error !== '' ? r.error.slice(0, 200) : 'no reason given';
      out.rejected.push({ click_id: it.id, reason: scrub(`rejected: ${why}`) });
    } else out.unanswered.push(it);
  }
  return out;
}
