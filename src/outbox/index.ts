/**
 * outbox/ — owns `<data_dir>/outbox.db` and `<data_dir>/outbox.head`, and the further shards
 * `outbox-<k>.db` / `outbox-<k>.head` (one per serving thread, each on its own): the schema, the
 * group-commit writer (one worker thread, the only writer), pending batches for the shipper,
 * acks, dead letters, retention purges with chain checkpoints, and the audit chain with its
 * verification. Never does HTTP and never decides what a click contains (privacy/ does).
 *
 *   schema.ts         tables, indexes, the clicks_readable view (the reviewer's entry point)
 *   columns.ts        the stored column order, shared by INSERT, transfer and hashing
 *   chain.ts          chainHash, GENESIS_HASH, verifyChain
 *   head.ts           outbox.head, the chain head kept outside the database
 *   store.ts          the synchronous write connection (used only inside the writer thread)
 *   purge.ts          deleting runs of rows with checkpoints
 *   erase.ts          a reviewer erasing named clicks from one shard's file (checkpoints of reason "erase")
 *   writer-protocol.ts  messages of the writer thread: the click channel, ops channels, ops lines
 *   writer-worker.ts  the writer thread
 *   writer-thread.ts  the owner's side: starts it, restarts it when it dies, start-when-full, ops lines
 *   writer-rounds.ts  the click channel: queue, group-commit rounds, commit callbacks and listeners
 *   writer-ops.ts     an operations client, on its own channel, from any thread
 *   outbox-ops.ts     OutboxOps: take, ack, dead letters, purges, stats over any ops channel
 *   outbox.ts         Outbox: the API the redirect server and the shipper call (the owner's side)
 *   read-only.ts      synchronous read-only access for the CLI
 *   wal-check.ts      reads outbox.db-wal as SQLite's recovery would: what it would drop
 *   beside-writer.ts  dead-letter requeue/purge through SQLite beside a running serve's writer
 *   requeue.ts        the requeue statements both share
 *   open-checked.ts   start-up refusals (damaged WAL, corrupt file, behind its head) and --accept-new-outbox
 *   shard-files.ts    a shard's file names (outbox.db, outbox-<k>.db and their heads); the shards on disk
 *   shard-set.ts      OutboxShardSet: every shard's writer as one (the shipper's port, retention, dead letters)
 *   shard-readers.ts  every shard read-only as one (status, export, analytics): sums, a merge in time order
 *
 * Exported here: only what other stages use. Tests reach the files above directly.
 */
export { Outbox, type CommitReport } from './outbox.js';
export { OutboxOps } from './outbox-ops.js';
export { newClickId } from './click-id.js';
export { openOutboxReadOnly, type DeliveryState, type OutboxReadOnly, type RowRange, type StoredCheckpoint, type StoredRow } from './read-only.js';
export { verifyChain, type ChainReader, type ChainReport, type ChainRow, type ChainRule } from './chain.js';
export { CLICK_COLUMNS, type ClickColumns } from './columns.js';
export { HEAD_FILE, readHead } from './head.js';
export { OUTBOX_DB, SCHEMA_VERSION } from './schema.js';
export { eraseFromShard, type ShardErasure } from './erase.js';
export { DAMAGED_MARK } from './open-checked.js';
export { listShards, shardFiles, type ShardFiles } from './shard-files.js';
export { OutboxShardSet, type ShardMember, type ShardSetStats, type ShardStats } from './shard-set.js';
export { openShardReaders, type ShardReaders, type ShardSummary } from './shard-readers.js';
export { checkWal, type WalDamage } from './wal-check.js';
export { openBesideWriter, outboxFiles } from './beside-writer.js';
