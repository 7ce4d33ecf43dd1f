/**
 * Stopping a listener without answering a request whose click can no longer be stored.
 *
 * Closing the listen socket only stops *new* connections: a keep-alive client goes on
 * sending requests on the one it has, and uWebSockets.js goes on dispatching them. If the
 * outbox is closed by then, a fail-open redirect is answered without its click. So a stop
 * runs in three steps, and the outbox closes only after the last:
 *
 *   1. draining: every answer carries `Connection: close` and closes its connection, so
 *      each keep-alive client gets at most one more answer, whose click is still stored;
 *   2. settled: no answer is pending any more (durable commits, miss lookups), or the
 *      grace is over;
 *   3. closed: every remaining socket (idle keep-alive ones, and whatever is still
 *      pending) is closed by uWS itself; a request that reaches a handler anyway (the JS
 *      imitation cannot close its sockets) is refused with 503 and recorded nowhere.
 */
import type { TemplatedApp } from './uws.js';

export const OPEN = 0;
export const DRAINING = 1;
export const CLOSED = 2;

export class ConnectionDrain {
  /** OPEN, DRAINING or CLOSED: one comparison per answer on the hot path. */
  state: typeof OPEN | typeof DRAINING | typeof CLOSED = OPEN;
  /** Requests accepted and not answered yet (waiting for a commit or a miss lookup). */
  #pending = 0;
  #onSettled: (() => void) | null = null;

  get pending(): number {
    return this.#pending;
  }

  /** A request will be answered later (asynchronously). */
  enter(): void {
    this.#pending++;
  }

  /** ...and now it was answered, or its client went away. Call exactly once per enter(). */
  leave(): void {
    if (--this.#pending === 0 && this.#onSettled) this.#onSettled();
  }

  /** Step 1 and 2: resolves once nothing is pending, or after `graceMs`, whichever is first. */
  drain(graceMs: number): Promise<void> {
    if (this.state === OPEN) this.state = DRAINING;
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, graceMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#onSettled = done;
    });
  }

  /** Step 3, for every app this drain answers for (an app that outlived a TLS reload included). */
  close(apps: Iterable<TemplatedApp>): void {
    this.state = CLOSED;
    this.#onSettled = null;
    for (const app of apps) closeSockets(app);
  }
}

/**
 * Closes every socket of `app`, listen sockets and connections alike; pending requests get
 * their onAborted. Both uWS builds have TemplatedApp.close() (@trufflesuite's 20.30 binary
 * has it though its index.d.ts does not say so); the JS imitation has not, and then the
 * CLOSED state is what keeps late requests from being answered as if recorded.
 */
export function closeSockets(app: TemplatedApp): boolean {
  const close = (app as { close?: () => unknown }).close;
  if (typeof close !== 'function') return false;
  close.call(app);
  return true;
}
