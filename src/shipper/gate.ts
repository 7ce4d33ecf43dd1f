/**
 * The pause a refused key (401/403) puts on shipping. Shared by every request: the first
 * refusal pauses and tells the operator once; any answer that is not a refusal ends the
 * pause. Waiting probes sleep on `wake`, which a new key (or an answer on another request)
 * fires, so a fixed key takes effect at once rather than after max_backoff_ms.
 */
import type { ShipperEvent } from './types.js';

export class PauseGate {
  private isPaused = false;
  private wakeCtl = new AbortController();

  constructor(
    private readonly emit: (e: ShipperEvent) => void,
    private readonly onResume: () => void,
  ) {}

  get paused(): boolean {
    return this.isPaused;
  }

  get wake(): AbortSignal {
    return this.wakeCtl.signal;
  }

  refused(status: number, detail?: string): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.emit({ type: 'unauthorized', status, ...(detail !== undefined ? { detail } : {}) });
  }

  answered(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.emit({ type: 'resumed' });
    this.poke();
    this.onResume();
  }

  /** Ends every pause wait now (a new key was set). */
  poke(): void {
    this.wakeCtl.abort();
    this.wakeCtl = new AbortController();
  }
}
