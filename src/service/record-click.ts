/**
 * The click path joined: raw request fields → privacy normalizer → outbox. This is the
 * only place where the three meet; the redirect stage sees just `record(raw, done)`.
 */
import { v7 as uuidv7 } from 'uuid';
import type { SessionKeyStore } from '../keys/index.js';
import type { Outbox } from '../outbox/index.js';
import { anonymizeClick, type PrivacyPolicy, type RawClick } from '../privacy/index.js';
import type { PublicAppDeps } from '../redirect/public-app.js';

export interface RecordClickDeps {
  policy: PrivacyPolicy;
  keys: SessionKeyStore;
  outbox: Outbox;
  durable: boolean;
  failClosed: boolean;
  events: {
    recorded(anonymous: boolean, queuedAt: number): void;
    writeFailed(err: Error): void;
    dropped(reason: 'dnt_drop'): void;
  };
  /** Told after each commit, so the shipper picks the click up without polling. */
  committed(): void;
}

export function createRecordClick(d: RecordClickDeps): PublicAppDeps['record'] {
  // Set by a failed write, cleared by the next successful one: in fail-closed fast mode
  // we can only refuse once we know the outbox is failing.
  let failing = false;

  return (raw: RawClick, done) => {
    const click = anonymizeClick(raw, d.policy, { clickId: uuidv7(), sessionKey: d.keys.keyFor(raw.receivedAt.toISOString().slice(0, 10)) });
    if (!click) {
      d.events.dropped('dnt_drop');
      return 'answered';
    }
    if (failing && d.failClosed && !d.durable) return 'unavailable';
    const queuedAt = performance.now();
    d.outbox.record(click, (err) => {
      if (err) {
        failing = true;
        d.events.writeFailed(err);
      } else {
        failing = false;
        d.events.recorded(click.anonymous, queuedAt);
        d.committed();
      }
      if (d.durable) done(err);
    });
    return d.durable ? 'wait' : 'answered';
  };
}
