/**
 * The batch layer, over the retry layer: a batch of up to batch_size clicks, each click
 * settled by its own answer. What is not a plain retry:
 * - a refused batch (HTTP 413 or another 4xx; a row the database rejects): one click may
 *   poison it, so halve until the refusal is pinned on single clicks; only those are
 *   dead-lettered, their neighbours go through;
 * - a sink that takes no batches (HTTP 404/405/501 on record-clicks): single mode from now on;
 * - single mode: one click per request, `concurrency` lanes (single.ts).
 */
import type { RetryLayer, Answer, Final } from './retry.js';
import type { Settler } from './settle.js';
import { deliverSingles } from './single.js';
import type { Item, ShipMode, ShipperEvent } from './types.js';

export interface BatchLayerDeps {
  retry: RetryLayer;
  settler: Settler;
  /** shipper.mode, where the sink has a single-click route; 'batch' otherwise. */
  mode: ShipMode;
  /** Single mode's lanes (shipper.concurrency). */
  concurrency: number;
  emit(e: ShipperEvent): void;
  /** Fires when stop() begins: no lane takes its next click. */
  stopping: AbortSignal;
}

export interface BatchLayer {
  /** Delivers and settles a batch; resolves once every click's answer is in the outbox (or shipping stops). Never rejects. */
  deliver(items: readonly Item[]): Promise<void>;
  /** The mode in use; 'single' for good after a fallback. */
  mode(): ShipMode;
}

export function createBatchLayer(d: BatchLayerDeps): BatchLayer {
  let mode = d.mode;
  const switchToSingle = (): boolean => {
    const was = mode;
    mode = 'single';
    return was !== 'single';
  };
  const settle = (a: Answer, linger: boolean): Promise<unknown> =>
    Promise.all([d.settler.ack(a.acked, a.duplicates, linger), d.settler.deadLetter(a.rejected, 'rejected', a.status)]);
  /** Dead-letters the one click of a final refusal. */
  const refuse = (f: Extract<Final, { kind: 'refused' }>, item: Item): Promise<void> =>
    d.settler.deadLetter([{ click_id: item.click.click_id, reason: f.reason }], f.status === undefined ? 'rejected' : 'http', f.status);

  const singles = (items: readonly Item[]): Promise<void> =>
    deliverSingles(items, {
      concurrency: d.concurrency,
      stopping: d.stopping,
      async one(item) {
        const writes: Promise<unknown>[] = [];
        const f = await d.retry([item], true, (a) => writes.push(settle(a, true)));
        // A single click refused (HTTP: 404 "Link not found or expired" for its tracking_id, 413, 422) is refused for good.
        if (f?.kind === 'refused') writes.push(refuse(f, item));
        else if (f?.kind === 'batch_unsupported') writes.push(refuse({ kind: 'refused', items: f.items, reason: `the main system took no single click (status ${f.status})`, status: f.status }, item));
        return { written: Promise.all(writes).then(() => undefined) };
      },
    });

  async function deliver(items: readonly Item[]): Promise<void> {
    if (items.length === 0) return;
    if (mode === 'single') return singles(items);
    const writes: Promise<unknown>[] = [];
    const f = await d.retry(items, false, (a) => writes.push(settle(a, false)));
    await Promise.all(writes);
    if (f === null) return;
    switch (f.kind) {
      case 'answered':
        return;
      case 'batch_unsupported':
        // Concurrent batches may all learn it: the operator is told once.
        if (switchToSingle()) d.emit({ type: 'fallback_to_single', status: f.status });
        return singles(f.items);
      case 'refused':
        if (f.items.length === 1) return refuse(f, f.items[0]!);
        d.emit({ type: 'split', size: f.items.length, status: f.status ?? 0 });
        const mid = Math.ceil(f.items.length / 2);
        await Promise.all([deliver(f.items.slice(0, mid)), deliver(f.items.slice(mid))]);
    }
  }

  return { deliver, mode: () => mode };
}
