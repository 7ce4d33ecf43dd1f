/**
 * What the shipper is doing right now, in one small object: fed by its events, read by
 * `serve.json` (so `clickrelay status`, another process, can say why shipping fails),
 * by the admin status page and by `ship --once`'s final line. The outbox keeps the same
 * cause per click (last_error, attempts); this adds what only the live process knows:
 * when the next attempt is due and whether the key was refused.
 */
import type { ShipperEvent } from './types.js';

export type ShippingMode = 'off' | 'idle' | 'ok' | 'retrying' | 'paused';

export interface ShippingSnapshot {
  /** off: standalone; idle: nothing tried yet; ok: last request acknowledged; retrying; paused: key refused */
  state: ShippingMode;
  last_success: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** consecutive failed attempts of the request that failed last */
  attempt: number;
  next_attempt_at: string | null;
}

export class ShippingState {
  private s: ShippingSnapshot;

  constructor(
    enabled: boolean,
    private readonly onChange: (s: ShippingSnapshot) => void = () => undefined,
    private readonly now: () => number = Date.now,
    /** The sink's own words for a pause (adapters/registry.ts pausedWords: which credential or right was refused); else the main system's key. */
    private readonly pausedText?: (e: { status?: number; detail?: string }) => string,
  ) {
    this.s = { state: enabled ? 'idle' : 'off', last_success: null, last_error: null, last_error_at: null, attempt: 0, next_attempt_at: null };
  }

  snapshot(): ShippingSnapshot {
    return { ...this.s };
  }

  note(e: ShipperEvent): void {
    const at = new Date(this.now()).toISOString();
    const before = this.s.state;
    switch (e.type) {
      case 'shipped':
        this.s.last_success = at;
        this.s.state = 'ok';
        this.s.attempt = 0;
        this.s.next_attempt_at = null;
        // A success after a failure is a change worth telling; each further batch is not.
        if (before !== 'ok') this.onChange(this.snapshot());
        return;
      case 'retry':
        this.s.state = 'retrying';
        this.s.last_error = `${e.detail ?? e.reason}${e.status !== undefined && !(e.detail ?? '').includes(String(e.status)) ? ` (HTTP ${e.status})` : ''}`;
        this.s.last_error_at = at;
        this.s.attempt = e.attempt;
        this.s.next_attempt_at = new Date(this.now() + e.delayMs).toISOString();
        break;
      case 'unauthorized':
        this.s.state = 'paused';
        this.s.last_error = this.pausedText?.(e) ?? `the main system refused the API key (HTTP ${e.status}): shipping paused until the key is replaced`;
        this.s.last_error_at = at;
        this.s.next_attempt_at = null;
        break;
      case 'dead_letter':
        this.s.last_error = `${e.count} click${e.count === 1 ? '' : 's'} rejected for good: ${e.reason}`;
        this.s.last_error_at = at;
        break;
      case 'outbox_error':
        this.s.last_error = `outbox ${e.op} failed: ${e.message}`;
        this.s.last_error_at = at;
        break;
      default:
        return;
    }
    this.onChange(this.snapshot());
  }
}

/** "ECONNREFUSED 127.0.0.1:8095, attempt 14, next in 30 s" — for one line of text. */
export function describeShipping(s: ShippingSnapshot, now = Date.now()): string {
  if (s.state === 'off') return 'off (standalone)';
  if (s.last_error === null || s.state === 'ok' || s.state === 'idle') return s.state === 'ok' ? `ok, last success ${s.last_success}` : 'nothing shipped yet by this process';
  const next = s.next_attempt_at ? `, next in ${Math.max(0, Math.round((Date.parse(s.next_attempt_at) - now) / 1000))} s` : '';
  return `${s.state === 'paused' ? 'PAUSED' : 'failing'}: ${s.last_error}${s.attempt > 0 ? `, attempt ${s.attempt}` : ''}${next} (since ${s.last_error_at})`;
}
