/**
 * Messages of the outbox writer thread (writer-worker.ts) on its two kinds of channel.
 *
 * The click channel (the worker's parentPort, spoken only by the thread that owns the writer,
 * writer-rounds.ts): a round is one message to the writer, the clicks queued since the last
 * round as ONE flat array of column values (CLICK_STRIDE values per click; measured faster to
 * clone than an array of objects or one JSON string). The writer takes every round waiting in
 * its queue as one group: their clicks in one transaction, answered by one `committed` (as soon
 * as it has committed, naming how many rounds it covers). `attach` hands the writer the end of
 * an operations channel; `close` comes last.
 *
 * Operations channels (writer-ops.ts): one MessageChannel per client, any thread. A client
 * holds an ops line (a MessagePort to the owner's supervisor, transferable) on which it is
 * given the port of each writer thread as it starts (`writer`), told when that thread died
 * (`down`), when the database cannot be opened (`unavailable`) and when the outbox closed.
 * Calls go straight to the writer on that port (`OpRequest` → `OpResult`); before running one,
 * the writer commits the click rounds already waiting, so an operation the owner sends after
 * its round runs after that round's clicks.
 */
import type { MessagePort } from 'node:worker_threads';

import type { Durability } from '../types.js';
import type { OutboxErrorCode } from './errors.js';

export interface WorkerBoot {
  dataDir: string;
  durability: Durability;
  /** `serve --accept-new-outbox`: go on past a damaged or short outbox (see open-checked.ts). */
  acceptNewOutbox?: boolean;
  /** Which outbox shard this writer owns (0, the default: outbox.db; shard-files.ts). */
  shard?: number;
}

export interface PendingRows {
  seqs: number[];
  /** CLICK_STRIDE column values per row, in CLICK_COLUMNS order. */
  flat: unknown[];
  /** About how many bytes of JSON the rows make (what maxBytes was held against). */
  bytes: number;
}

export interface StoreStats {
  pending: number;
  shipped: number;
  dead_letter: number;
  oldest_pending: string | null;
  last_seq: number;
}

export interface PurgeStepArgs {
  /** retention: past privacy.retention_days; dead: dead letters an operator discards; erase: clicks a reviewer names (any state) */
  reason: 'retention' | 'dead' | 'erase';
  /** retention: purge shipped clicks with clicked_at before this ISO time */
  cutoff: string | null;
  /**
   * retention: pending clicks past the cutoff go too. Only in standalone mode, where nothing
   * is ever shipped and retention would otherwise never apply (see purgeExpired).
   */
  unshipped: boolean;
  /** retention: dead letters past the cutoff go too (nobody will ship them; kept only for a person to look at) */
  dead?: boolean;
  /** dead: only these click ids (null = any dead letter); erase: these click ids, whatever their state */
  ids: string[] | null;
  /** erase: why, as the reviewer gave it (kept on the checkpoint); null otherwise */
  note?: string | null;
  /** the same for every step of one purge, so its steps share a checkpoint per run */
  purgedAt: string;
  max: number;
}

/** Rows a purge step deleted, by the state they were in. */
export interface PurgedCounts {
  shipped: number;
  pending: number;
  dead: number;
}

/** Every operation the writer runs besides inserts: its arguments and its answer. */
export interface OpMap {
  takePending: { args: { limit: number; maxBytes: number; afterSeq: number }; result: PendingRows };
  /** By position (seq, as takePending gave it): the clicks of a batch are consecutive rows. */
  ackShipped: { args: { seqs: number[]; at: string }; result: number };
  noteAttempt: { args: { ids: string[]; error: string }; result: number };
  deadLetter: { args: { items: { click_id: string; reason: string }[] }; result: number };
  requeueDead: { args: { ids: string[] | null }; result: number };
  /** Did another connection commit since the last call (a `dead-letters` run beside the serve)? */
  changedOutside: { args: Record<string, never>; result: boolean };
  purgeStep: { args: PurgeStepArgs; result: PurgedCounts };
  stats: { args: Record<string, never>; result: StoreStats };
  /** One tiny write transaction, no click: can the disk take a commit now? */
  probe: { args: Record<string, never>; result: number };
}
export type OpName = keyof OpMap;

export type OpRequest = { [K in OpName]: { id: number; op: K; args: OpMap[K]['args'] } }[OpName];
export type OpResult = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** On the click channel, owner → writer. */
export type ToWorker = { kind: 'round'; batch: unknown[] } | { kind: 'attach'; port: MessagePort } | { kind: 'close' };

/** On the click channel, writer → owner. */
export type FromWorker =
  | { kind: 'ready'; lastSeq: number; notes: string[] }
  | { kind: 'fatal'; error: string; code?: OutboxErrorCode | 'CR_ERR_DATA_PERMISSION' }
  /** code: CR_ERR_OUTBOX_COLLISION for a key collision (a bug), else absent (a write failure, CR_ERR_OUTBOX_WRITE) */
  | { kind: 'committed'; rounds: number; count: number; error: string | null; code?: OutboxErrorCode }
  | { kind: 'closed' };

/** On an ops line, the owner's supervisor → an ops client. */
export type LineMessage =
  | { kind: 'writer'; port: MessagePort }
  /** failWaiting: the thread never opened the database, so calls waiting for it fail too */
  | { kind: 'down'; code: OutboxErrorCode; error: string; failWaiting: boolean }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'closed' };
