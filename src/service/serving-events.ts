/**
 * The events of the click path, which every serving thread reports (events.ts re-exports
 * them beside the main thread's own): each becomes its log line and its metric together.
 * Apart from events.ts because a serving thread k ≥ 1 imports this file alone, not the
 * admin listener, shipper and sink errors the main thread's events name. Nothing here sees
 * a client address, a query string or the API key.
 */
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { CommitReport } from '../outbox/outbox.js';
import { parseIp } from '../privacy/ip.js';

/**
 * Click events come per outbox transaction (CommitReport), not per click: under load one
 * transaction holds tens to hundreds of clicks, and per-click counter updates were a visible
 * share of the event loop's time. Counts stay exact; the commit latency is still observed
 * once per click (from each click's own queue time).
 */
export function clickEvents(log: Logger, m: Metrics) {
  // A disk-full storm would otherwise log one line per click: one line a second, with a count.
  let unlogged = 0;
  let lastLog = 0;
  return {
    recorded(r: CommitReport) {
      m.outboxWritable.set(1);
      m.clicksRecorded.inc(r.count);
      m.outboxTransactions.inc();
      if (r.anonymous > 0) m.clicksAnonymous.inc(r.anonymous);
      for (const q of r.queuedAt) m.commitSeconds.observe((r.committedAt - q) / 1000);
    },
    writeFailed(err: Error, clicks: number) {
      m.outboxWritable.set(0);
      m.clickWriteErrors.inc(clicks);
      unlogged += clicks;
      const now = Date.now();
      // The error's own code: a key collision (a bug) must not read as a full disk, nor wait
      // behind the disk-full storm's one line a second.
      const code = (err as { code?: string }).code ?? 'CR_ERR_OUTBOX_WRITE';
      if (now - lastLog >= 1000 || code === 'CR_ERR_OUTBOX_COLLISION') {
        log.error({ event: 'click_write_failed', code, clicks: unlogged }, `clicks could not be stored: ${err.message}`);
        unlogged = 0;
        lastLog = now;
      }
    },
    dropped(reason: 'dnt_drop' | 'prefetch') {
      m.clicksDropped.inc({ reason });
    },
    scannerReferrerOnly() {
      m.scannerReferrerOnly.inc();
    },
  };
}

/**
 * The public listener's events about who is asking. No address is logged: only what kind of
 * network the peer is on, which tells a proxy on this host (loopback) from clients sending
 * the headers themselves (public).
 */
export function requestEvents(log: Logger, m: Metrics) {
  let warned = false;
  return {
    untrustedForwarding(peer: string) {
      m.untrustedForwarding.set(1);
      if (warned) return;
      warned = true;
      const ip = parseIp(peer);
      const peerRange = ip === null ? 'unparsable' : ip.range();
      log.warn(
        { event: 'untrusted_forwarding', peer_range: peerRange },
        `X-Forwarded-For/X-Real-IP came from a ${peerRange} peer that is not in server.trust_proxy: the headers are ignored, so every client behind that proxy is counted, rate-limited and stored as the proxy's address. If clickrelay runs behind a proxy, add the proxy's address to server.trust_proxy (README, "Behind a proxy"); if not, clients are sending these headers themselves and nothing needs doing. Logged once (metric clickrelay_untrusted_forwarding_detected).`,
      );
    },
    refused(reason: 'body_framing' | 'duplicate_host') {
      m.requestsRefused.inc({ reason });
    },
    abandoned() {
      m.clicksDropped.inc({ reason: 'connection_closed' });
    },
  };
}
