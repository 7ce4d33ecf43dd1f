/**
 * Waiting for the event a test means instead of sleeping a fixed time: polls `ok` until it
 * holds, with a generous overall deadline (a busy 2-core machine must not fail it) and a
 * message naming what never happened. Polling a condition is waiting for the event; a
 * fixed sleep followed by an assertion is not.
 */

export interface WaitOptions {
  /** Overall deadline; generous, since only a real failure should ever reach it. */
  timeoutMs?: number;
  /** Pause between polls. */
  stepMs?: number;
}

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, { timeoutMs = 20_000, stepMs = 10 }: WaitOptions = {}): Promise<void> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await ok()) return;
    } catch (err) {
      lastError = err; // e.g. a listener not up yet: keep polling, and name it if time runs out
    }
    if (Date.now() > end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Calls `f` until it resolves and returns its value: for a service that refuses until it is up
 * (a NATS cluster electing its leaders, JetStream recovering its store). The last refusal is
 * named if the deadline passes.
 */
export async function retryUntil<T>(what: string, f: () => Promise<T>, options: WaitOptions = {}): Promise<T> {
  let value: T | undefined;
  await waitFor(what, async () => {
    value = await f();
    return true;
  }, options);
  return value as T;
}
