/**
 * Errors the outbox hands to callers; `code` is stable (CR_ERR_OUTBOX_*), declared with its
 * action in src/error-catalogue.ts:
 * - WRITE: the batch's transaction failed (disk full, read-only file, I/O error); later batches are tried again.
 * - WRITER_DIED: the writer thread died and is restarted; clicks in its last batch may or may not be stored.
 * - QUEUE_FULL: more clicks are waiting than `maxQueued` (the writer is stuck or far behind); the click is not stored.
 * - CLOSED: the outbox is closing or closed.
 * - OPEN: outbox.db could not be opened (permissions, schema from a newer build).
 * - BEHIND_HEAD: outbox.db holds fewer clicks than outbox.head records (deleted, emptied, restored, cut): start-up refused.
 * - WAL_DAMAGED: outbox.db-wal has a damaged frame with committed transactions after it, which SQLite would drop: start-up refused.
 * - CORRUPT: outbox.db fails SQLite's integrity check (garbage in its pages): start-up refused.
 */
import type { AreaErrorCode } from '../error-catalogue.js';
import { ClickrelayError } from '../errors.js';

export type OutboxErrorCode = AreaErrorCode<'OUTBOX'>;

export class OutboxError extends ClickrelayError<OutboxErrorCode> {
  constructor(code: OutboxErrorCode, message: string) {
    super(code, message);
    this.name = 'OutboxError';
  }
}
