/**
 * The click path joined: raw request fields → privacy normalizer → outbox. This is the
 * only place where the three meet; the redirect stage sees just `record(raw, done)`.
 */
import type { SessionKeyStore } from '../keys/index.js';
import { newClickId } from '../outbox/click-id.js';
import type { Outbox } from '../outbox/index.js';
import type { CommitReport } from '../outbox/outbox.js';
import { anonymizeClick, utcDay, type AnonymizeContext, type PrivacyPolicy, type RawClick } from '../privacy/index.js';
import type { PublicAppDeps } from '../http/public/public-app.js';
import type { ClickRate } from '../observe/click-rate.js';

export interface RecordClickDeps {
  policy: PrivacyPolicy;
  keys: Pick<SessionKeyStore, 'keyFor'>;
  outbox: Outbox;
  durable: boolean;
  failClosed: boolean;
  events: {
    /** One transaction of clicks committed (durable: fsynced). */
    recorded(report: CommitReport): void;
    /** `clicks` could not be stored (a failed transaction, or refused by a full queue). */
    writeFailed(err: Error, clicks: number): void;
    dropped(reason: 'dnt_drop' | 'prefetch'): void;
    /** A gateway's Referer alone pointed to a scanner; the click was kept as a person's. */
    scannerReferrerOnly?(): void;
  };
  /** Told after each commit, so the shipper picks the clicks up without polling. */
  committed(): void;
  /** Per-minute click counts for the status page (O(1) per click; see observe/click-rate.ts). */
  rate?: ClickRate;
}

export function createRecordClick(d: RecordClickDeps): PublicAppDeps['record'] {
  // Set by a failed write, cleared by the next successful one: in fail-closed fast mode
  // we can only refuse once we know the outbox is failing.
  let failing = false;
  let lastTrial = 0;
  // Counted per transaction: the outbox reports each one before the clicks' own callbacks
  // run, so `failing` is current when a durable redirect is answered.
  d.outbox.onCommit((r) => {
    if (r.error) {
      failing = true;
      d.events.writeFailed(r.error, r.count);
    } else {
      failing = false;
      d.events.recorded(r);
      d.committed();
    }
  });

  // anonymizeClick reads its context and keeps nothing of it: one object serves every click.
  const ctx: AnonymizeContext = { clickId: '', sessionKey: Buffer.alloc(0) };
  return (raw: RawClick, done) => {
    ctx.clickId = newClickId(raw.receivedAt.getTime());
    ctx.sessionKey = d.keys.keyFor(utcDay(raw.receivedAt));
    ctx.scannerEvidence = null; // the context is shared: no verdict of the previous click may be counted
    const click = anonymizeClick(raw, d.policy, ctx);
    if (ctx.scannerEvidence === 'referrer_only') d.events.scannerReferrerOnly?.();
    if (!click) {
      d.events.dropped('dnt_drop');
      return 'answered';
    }
    if (failing && d.failClosed && !d.durable) {
      // Refused without a try, nothing would ever clear `failing` once the disk has room
      // again: one click a second still goes to the outbox as the test of it.
      const now = raw.receivedAt.getTime();
      if (now - lastTrial < 1000) return 'unavailable';
      lastTrial = now;
    }
    d.rate?.note(raw.receivedAt.getTime(), click.metadata.bot === true);
    if (d.durable) {
      d.outbox.record(click, done);
      return 'wait';
    }
    d.outbox.record(click);
    return 'answered';
  };
}
