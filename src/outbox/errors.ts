/** Errors the outbox hands to callers; `code` is stable (CR_ERR_OUTBOX_*). */
export type OutboxErrorCode =
  /** The batch's transaction failed (disk full, read-only file, I/O error). Recoverable: later batches are tried again. */
  | 'CR_ERR_OUTBOX_WRITE'
  /** The writer thread died; it is restarted. Clicks in its last batch may or may not be stored. */
  | 'CR_ERR_OUTBOX_WRITER_DIED'
  /** More clicks are waiting than `maxQueued`: the writer is stuck or far behind. The click is not stored. */
  | 'CR_ERR_OUTBOX_QUEUE_FULL'
  /** The outbox is closing or closed. */
  | 'CR_ERR_OUTBOX_CLOSED'
  /** outbox.db could not be opened (permissions, schema from a newer build). Not recoverable without the operator. */
  | 'CR_ERR_OUTBOX_OPEN'
  /** outbox.db holds fewer clicks than outbox.head records (deleted, emptied, restored, cut): start-up refused. */
  | 'CR_ERR_OUTBOX_BEHIND_HEAD'
  /** outbox.db-wal has a damaged frame with committed transactions after it, which SQLite would drop: start-up refused. */
  | 'CR_ERR_OUTBOX_WAL_DAMAGED'
  /** outbox.db fails SQLite's integrity check (garbage in its pages): start-up refused. */
  | 'CR_ERR_OUTBOX_CORRUPT';

export class OutboxError extends Error {
  constructor(
    readonly code: OutboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboxError';
  }
}
