/**
 * What the batch and single layers share: one request through the concurrency limiter, read
 * as a verdict; and the switch to single mode when record-clicks is not offered.
 */
import { classify, isShedding, type Verdict } from './classify.js';
import type { ShipContext } from './context.js';
import type { Limiter } from './limiter.js';
import type { Sender } from './send.js';
import type { Settler } from './settle.js';
import type { ShipMode } from './types.js';

export const RECORD_CLICKS = '/api/link-tracking/record-clicks';
export const RECORD_CLICK = '/api/link-tracking/record-click';

export interface Delivery {
  ctx: ShipContext;
  settler: Settler;
  /** Upper bound of parallel requests (shipper.concurrency). */
  concurrency: number;
  /** The mode in use; becomes 'single' for good after a fallback. */
  mode(): ShipMode;
  fallBack(status: number): void;
  request(path: string, body: string, idempotencyKey: string): Promise<Verdict>;
}

export function createDelivery(o: { ctx: ShipContext; settler: Settler; sender: Sender; limiter: Limiter; concurrency: number; mode: ShipMode }): Delivery {
  let mode = o.mode;
  return {
    ctx: o.ctx,
    settler: o.settler,
    concurrency: o.concurrency,
    mode: () => mode,
    fallBack(status) {
      if (mode === 'single') return;
      mode = 'single';
      o.ctx.emit({ type: 'fallback_to_single', status });
    },
    async request(path, body, key) {
      const outcome = await o.limiter.run(() => o.sender.post(path, body, key, o.ctx.requests));
      const v = classify(outcome, o.ctx.now());
      if (isShedding(v)) o.limiter.shed();
      else if (v.kind === 'ok') o.limiter.recover();
      return v;
    },
  };
}
