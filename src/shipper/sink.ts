/**
 * Layer 3 over the click-sink port (src/main-system/ports.ts), used for the PostgreSQL
 * adapter: a batch is one all-or-nothing attempt, retried with the same backoff as HTTP.
 * - answered: every click is acknowledged (the ones the sink already had count as duplicates);
 * - refused (a constraint or type error): one row may poison the batch, so halve it until the
 *   refusal is pinned on single clicks; only those are dead-lettered;
 * - unauthorized (login or right refused): the pause gate, as a 401 does; nothing dead-lettered.
 */
import type { ClickSink, SinkOutcome } from '../main-system/ports.js';
import type { ShipContext } from './context.js';
import type { Limiter } from './limiter.js';
import { withRetry, type Step } from './retry.js';
import type { Settler } from './settle.js';
import type { Item } from './wire.js';

export interface SinkDelivery {
  ctx: ShipContext;
  settler: Settler;
  sink: ClickSink;
  limiter: Limiter;
}

type Final = Extract<SinkOutcome, { kind: 'answered' | 'refused' }>;

export async function deliverToSink(d: SinkDelivery, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  const clicks = items.map((i) => i.click);
  const attempt = async (): Promise<Step<Final>> => {
    const o = await d.limiter.run(() => d.sink.deliver(clicks, d.ctx.requests));
    switch (o.kind) {
      case 'answered':
      case 'refused':
        return { kind: 'done', value: o };
      case 'retry':
        return { kind: 'retry', reason: o.reason, retryAfterMs: null, detail: o.detail };
      case 'unauthorized':
        return { kind: 'unauthorized', status: 0, detail: o.detail };
      case 'aborted':
        return o;
    }
  };
  const r = await withRetry(d.ctx, attempt, {
    count: () => items.length,
    note: (e) => d.settler.note(items.map((i) => i.id), e),
  });
  if (r === null) return;
  const v = r.value;
  if (v.kind === 'answered') return d.settler.ack(items.map((i) => i.seq), v.duplicates);
  if (items.length > 1) {
    d.ctx.emit({ type: 'split', size: items.length, status: 0 });
    const mid = Math.ceil(items.length / 2);
    await Promise.all([deliverToSink(d, items.slice(0, mid)), deliverToSink(d, items.slice(mid))]);
    return;
  }
  await d.settler.deadLetter([{ click_id: items[0]!.id, reason: `rejected: ${v.detail}` }], 'rejected');
}
