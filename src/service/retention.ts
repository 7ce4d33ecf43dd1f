/**
 * Retention: clicks past privacy.retention_days and session keys past 48 h are purged
 * hourly, and once at start (a server that was down for a while does not wait for the hour).
 * Click purges go in small transactions between commits (the outbox's writer).
 */
import cron from 'node-cron';
import type { Settings } from '../config/settings.js';
import type { SessionKeyStore } from '../keys/index.js';
import type { Logger } from '../observe/logger.js';
import type { Outbox } from '../outbox/index.js';

const RETENTION_SCHEDULE = '17 * * * *';

export function startRetention(s: Settings, d: { keys: SessionKeyStore; outbox: Pick<Outbox, 'purgeExpired'>; log: Logger; shards?: () => Iterable<Pick<Outbox, 'purgeExpired'>> }): { stop(): Promise<void> } {
  const { keys, log } = d;
  const purgeExpired = (): void => {
    // Session keys past 48 h go even on a day without clicks (keyFor only tidies on use).
    keys.purgeExpired();
    // Standalone, nothing is ever shipped: retention applies to the clicks as they are.
    // Every shard the serving threads write (server.threads > 1), each by its own writer.
    for (const outbox of [d.outbox, ...(d.shards?.() ?? [])]) outbox.purgeExpired(s.privacy.retention_days, { unshipped: s.standalone }).then(
      (n) => n > 0 && log.info({ event: 'retention_purge', purged: n }, `${s.standalone ? '' : 'shipped '}clicks past retention purged`),
      // SQLite names damage only when a query touches the bad page: say what it means.
      (err: Error) =>
        /malformed|not a database/.test(err.message)
          ? log.error({ event: 'retention_purge_failed', code: 'CR_ERR_OUTBOX_CORRUPT' }, `outbox.db is damaged (${err.message}): keep a copy of the outbox files and run clickrelay audit`)
          : log.error({ event: 'retention_purge_failed' }, err.message),
    );
  };
  const task = cron.schedule(RETENTION_SCHEDULE, purgeExpired);
  purgeExpired();
  return { stop: async () => void (await task.stop()) };
}
