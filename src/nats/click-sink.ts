/**
 * The NATS JetStream adapter of the click-sink port: one message per click on `nats.subject`,
 * its body the guide's record-click JSON exactly as the HTTP adapter sends it (the one
 * clickJson), its `Nats-Msg-Id` header the click's `click_id`, so the stream stores a click
 * resent within its duplicate window once and answers the resend `duplicate: true`. A click
 * counts as delivered only once its PubAck is in.
 *
 * A batch from the shipper is published as a pipeline: as many messages out as the window
 * (window.ts, shared by every batch in flight) allows, each slot given back by its PubAck.
 * The batch ends when every click has a verdict, or at timeout_ms: what has no answer by then
 * is sent again with the unanswered rest (outcome.ts). Never throws.
 */
import { clickJson } from '../lib/click-json.js';
import type { ClickSink, SinkOutcome, StoredClick } from '../shipper/ports.js';
import type { Conn, PublishLink } from './link.js';
import { outcomeOf, outcomeOfAll } from './outcome.js';
import type { PubVerdict } from './verdict.js';
import type { Window } from './window.js';

export interface NatsClickSinkOptions {
  link: PublishLink;
  window: Window;
  subject: string;
  timeoutMs: number;
  /** Safe to show: the servers, the subject and the stream. */
  where: string;
}

export function natsClickSink(o: NatsClickSinkOptions): ClickSink {
  const { link, window, subject, timeoutMs } = o;

  function publishAll(conn: Conn, clicks: readonly StoredClick[], signal: AbortSignal): Promise<SinkOutcome> {
    return new Promise<SinkOutcome>((resolve) => {
      const n = clicks.length;
      const verdicts = new Array<PubVerdict | undefined>(n);
      const cancels = new Map<number, () => void>();
      let next = 0;
      let settled = 0;
      let over = false;
      const end = (aborted: boolean): void => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        // Publishes still waiting give up their waiter and their slot; a late PubAck is dropped.
        for (const cancel of cancels.values()) {
          cancel();
          window.give();
        }
        cancels.clear();
        resolve(aborted ? { kind: 'aborted' } : outcomeOf(verdicts, timeoutMs));
      };
      const onAbort = (): void => end(true);
      const timer = setTimeout(() => end(false), timeoutMs);
      const pump = (): void => {
        while (!over && next < n) {
          if (!window.tryTake()) {
            window.wait(pump);
            return;
          }
          const i = next++;
          const c = clicks[i]!;
          cancels.set(
            i,
            conn.publish(subject, clickJson(c), c.click_id, (v) => {
              if (over) return;
              cancels.delete(i);
              window.give();
              verdicts[i] = v;
              if (++settled === n) end(false);
            }),
          );
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (n === 0) end(false);
      else pump();
    });
  }

  return {
    adapter: 'nats',
    where: o.where,
    async deliver(clicks, signal) {
      if (signal.aborted) return { kind: 'aborted' };
      const conn = await untilAborted(link.ready(), signal);
      if (conn === null) return { kind: 'aborted' };
      if (!('publish' in conn)) return outcomeOfAll(conn, clicks.length, timeoutMs);
      return publishAll(conn, clicks, signal);
    },
    close: () => link.close(),
  };
}

/** The promise's value, or null as soon as `signal` aborts (a connect in progress is not waited for). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | null> {
  let onAbort = (): void => undefined;
  const stopped = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, stopped]).finally(() => signal.removeEventListener('abort', onAbort));
}
