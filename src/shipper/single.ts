/**
 * Single mode's lanes: one click per request (the guide's record-click), `concurrency` lanes.
 * A lane retries its click until answered, so an outage holds at most `concurrency` clicks in
 * retry, not the whole read-ahead. A lane goes on to its next click while the last one's
 * acknowledgement is written (the settler folds them into one outbox call); the batch ends
 * once all of them are written.
 */
import type { Item } from './types.js';

export async function deliverSingles(
  items: readonly Item[],
  o: {
    concurrency: number;
    stopping: AbortSignal;
    /** Resolves once the click is answered, with the outbox write of that answer (wrapped: a promise would be flattened). */
    one(item: Item): Promise<{ written: Promise<void> }>;
  },
): Promise<void> {
  let next = 0;
  const writes: Promise<void>[] = [];
  const lane = async () => {
    while (next < items.length && !o.stopping.aborted) writes.push((await o.one(items[next++]!)).written);
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, items.length) }, lane));
  await Promise.all(writes);
}
