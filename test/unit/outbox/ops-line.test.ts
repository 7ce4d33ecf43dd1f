/**
 * The writer's operations channel from another thread (issue #21, the base of #22): an outbox
 * owned by a worker thread is reached from this thread over an ops line, through a writer
 * restart, and refuses once the outbox is closed.
 */
import { once } from 'node:events';
import type { MessagePort, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../../src/lib/worker-launch.js';
import { OutboxOps } from '../../../src/outbox/outbox-ops.js';
import type { OwnerCommand } from './fixtures/owner-worker.js';
import { tempDataDir } from './helpers.js';

/** Sends `command` to the owner thread and resolves with its answer of kind `answer`. */
async function ask<T extends { kind: string }>(owner: Worker, command: OwnerCommand, answer: T['kind']): Promise<T> {
  const reply = new Promise<T>((resolve, reject) => {
    const on = (m: T): void => {
      if (m.kind !== answer) return;
      owner.off('message', on);
      resolve(m);
    };
    owner.on('message', on);
    owner.once('error', reject);
  });
  owner.postMessage(command);
  return reply;
}

async function ownerThread(dataDir: string): Promise<Worker> {
  const owner = startWorker(new URL('./fixtures/owner-worker.js', import.meta.url), { workerData: { dataDir } });
  const [m] = (await once(owner, 'message')) as [{ kind: string }];
  expect(m.kind).toBe('ready');
  return owner;
}

describe("an outbox writer's operations channel", () => {
  it('reaches a writer owned by another thread, and the next one after the writer died', async () => {
    const owner = await ownerThread(tempDataDir());
    try {
      await ask(owner, { kind: 'record', n: 5 }, 'recorded');
      const { line } = await ask<{ kind: 'line'; line: MessagePort }>(owner, { kind: 'line' }, 'line');
      const ops = OutboxOps.connect(line);
      expect(await ops.stats()).toMatchObject({ pending: 5, last_seq: 5 });
      const rows = await ops.takePending(3, 1 << 20);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(rows.every((r) => r.click.tracking_id === 'lt_owner')).toBe(true);
      expect(await ops.ackShipped(rows.map((r) => r.seq))).toBe(3);

      await ask(owner, { kind: 'kill-writer' }, 'killed');
      // The owner restarts its writer; the line hands the client the new one.
      await ask(owner, { kind: 'record', n: 2 }, 'recorded');
      expect(await ops.stats()).toMatchObject({ pending: 4, shipped: 3, last_seq: 7 });

      await ask(owner, { kind: 'close' }, 'closed');
      await expect(ops.stats()).rejects.toMatchObject({ code: 'CR_ERR_OUTBOX_CLOSED' });
    } finally {
      await owner.terminate();
    }
  });
});
