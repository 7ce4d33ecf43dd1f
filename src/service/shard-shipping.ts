/**
 * The outbox shards of serving threads k ≥ 1 (server.threads > 1), as the main thread reaches
 * them: each thread's writer on an ops line (outbox/writer-ops.ts), and a shipper per shard
 * towards the one click sink. A thread that is restarted hands a new line; its shard's shipper
 * is replaced (the old one's reads fail against the gone writer, and what it had not acked stays
 * pending, so nothing is lost and at worst a batch is sent twice, which the sink's idempotency
 * on click_id absorbs).
 */
import type { MessagePort } from 'node:worker_threads';
import { OutboxOps } from '../outbox/index.js';
import type { Shipper } from '../shipper/index.js';

interface Shard {
  ops: OutboxOps & { close(): void };
  shipper: Shipper | null;
}

export class ShardShipping {
  readonly #shards = new Map<number, Shard>();

  constructor(private readonly shipperFor: (ops: OutboxOps) => Shipper | null) {}

  /** Shard k's writer is reachable on `line` (a thread started or restarted). */
  attach(k: number, line: MessagePort): void {
    const old = this.#shards.get(k);
    if (old) {
      void old.shipper?.stop({ graceMs: 0 }).finally(() => old.ops.close());
    }
    const ops = OutboxOps.connect(line);
    const shipper = this.shipperFor(ops);
    this.#shards.set(k, { ops, shipper });
    shipper?.start();
  }

  /** Thread k committed clicks. */
  notify(k: number): void {
    this.#shards.get(k)?.shipper?.notify();
  }

  /** The shards' operations (retention, status), k ascending. */
  ops(): OutboxOps[] {
    return [...this.#shards.entries()].sort(([a], [b]) => a - b).map(([, s]) => s.ops);
  }

  stopShipping(graceMs: number): Promise<void> {
    return Promise.all([...this.#shards.values()].map((s) => s.shipper?.stop({ graceMs }))).then(() => undefined);
  }

  close(): void {
    for (const s of this.#shards.values()) s.ops.close();
    this.#shards.clear();
  }
}
