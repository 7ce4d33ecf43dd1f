import type { ClickSink } from './ports.js';
import type { Send } from './retry.js';

/**
 * Requests in flight, at most `max`, and fewer while the main system sheds load: a 429 or 503
 * halves the limit, each success raises it by one (AIMD, as TCP does), so a struggling main
 * system gets fewer parallel requests from us without any operator action.
 */
export class Limiter {
  private active = 0;
  private limit: number;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly max: number) {
    this.limit = Math.max(1, max);
  }

  get current(): number {
    return this.limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.active--;
      this.grant();
    }
  }

  shed(): void {
    this.limit = Math.max(1, Math.floor(this.limit / 2));
  }

  recover(): void {
    if (this.limit < this.max) {
      this.limit++;
      this.grant();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private grant(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()!();
    }
  }
}

/**
 * The sink behind the limiter: every attempt waits for a free slot, a main system shedding
 * load (429/503) halves the slots, an answer gives one back. `one` takes the sink's
 * single-click route where it has one.
 */
export function throttled(sink: ClickSink, limiter: Limiter, signal: AbortSignal): Send {
  return async (clicks, one) => {
    const o = await limiter.run(() => (one && sink.deliverOne ? sink.deliverOne(clicks[0]!, signal) : sink.deliver(clicks, signal)));
    if (o.kind === 'retry' && o.slowDown) limiter.shed();
    else if (o.kind === 'answered') limiter.recover();
    return o;
  };
}
