/**
 * OutboxShardSet on real writers (one Outbox per shard in a temp folder): reads take turns
 * between shards and never hand a click out twice until a rewind, acks go back to the shard
 * that holds the click (also after its writer was replaced), a change made beside the writers
 * in any shard (`dead-letters requeue` beside a serve) is reported once, and one shard passes through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, OutboxShardSet } from '../../../src/outbox/index.js';
import { openBesideWriter } from '../../../src/outbox/beside-writer.js';
import { shardFiles } from '../../../src/outbox/shard-files.js';
import { SHARD_SPAN } from '../../../src/outbox/shard-set.js';
import { click, recordAll, tempDataDir } from './helpers.js';

const open: Outbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function shard(dir: string, k: number, clicks: number): Promise<Outbox> {
  const o = await Outbox.open({ dataDir: dir, shard: k, durability: 'fast', commitIntervalMs: 1 });
  open.push(o);
  await recordAll(o, Array.from({ length: clicks }, () => click()));
  return o;
}

describe('OutboxShardSet', () => {
  it('takes turns between shards, hands nothing out twice, and acks each click in its own shard', async () => {
    const dir = tempDataDir();
    const members = [await shard(dir, 0, 9), await shard(dir, 1, 3), await shard(dir, 2, 3)];
    const set = new OutboxShardSet(members.map((o) => ({ shard: o.shard, ops: o })));
    const seen = new Set<string>();
    const leads: number[] = [];
    let cursor = 0;
    for (;;) {
      const got = await set.takePending(2, 1_000_000, cursor);
      if (got.length === 0) break;
      leads.push(got[0]!.seq % SHARD_SPAN);
      for (const it of got) {
        expect(seen.has(it.click.click_id)).toBe(false);
        seen.add(it.click.click_id);
        cursor = Math.max(cursor, it.seq);
      }
      await set.ackShipped(got.map((it) => it.seq));
    }
    expect(seen.size).toBe(15);
    expect(leads.slice(0, 3)).toEqual([0, 1, 2]); // each shard leads a read in turn
    const stats = await set.stats();
    expect(stats.shards.map((s) => [s.shard, s.pending, s.shipped])).toEqual([
      [0, 0, 9],
      [1, 0, 3],
      [2, 0, 3],
    ]);
    expect([stats.pending, stats.shipped]).toEqual([0, 15]);
  });

  it('reads from the oldest again at afterSeq 0, and an ack reaches a replaced writer of the same shard', async () => {
    const dir = tempDataDir();
    const s0 = await shard(dir, 0, 2);
    const s1 = await shard(dir, 1, 2);
    const set = new OutboxShardSet([{ shard: 0, ops: s0 }], { growable: true });
    set.attach(1, s1);
    const first = await set.takePending(10, 1_000_000, 0);
    expect(first.length).toBe(4);
    expect(await set.takePending(10, 1_000_000, first.at(-1)!.seq)).toEqual([]);
    expect((await set.takePending(10, 1_000_000, 0)).length).toBe(4); // the pump's rewind
    // Shard 1's writer is replaced (its serving thread restarted): the ack still lands there.
    await s1.close();
    open.splice(open.indexOf(s1), 1);
    const again = await Outbox.open({ dataDir: dir, shard: 1, durability: 'fast', commitIntervalMs: 1 });
    open.push(again);
    set.attach(1, again);
    expect(await set.ackShipped(first.map((it) => it.seq))).toBe(4);
    expect((await set.stats()).shipped).toBe(4);
  });

  it('reports a requeue made beside the writers in any shard, once, so the pump reads every shard from the oldest again', async () => {
    const dir = tempDataDir();
    const s0 = await shard(dir, 0, 2);
    const s1 = await shard(dir, 1, 2);
    const set = new OutboxShardSet([{ shard: 0, ops: s0 }], { growable: true });
    set.attach(1, s1);
    const all = await set.takePending(10, 1_000_000, 0);
    const inShard1 = all.filter((it) => it.seq % SHARD_SPAN === 1).map((it) => ({ click_id: it.click.click_id, reason: 'rejected: test' }));
    await set.deadLetter(inShard1);
    await set.ackShipped(all.filter((it) => it.seq % SHARD_SPAN === 0).map((it) => it.seq));
    expect(await set.changedOutside()).toBe(false); // the writers' own changes are not news
    const beside = openBesideWriter(shardFiles(dir, 1).db);
    try {
      expect(await beside.requeueDead()).toBe(2);
    } finally {
      beside.close();
    }
    expect(await set.changedOutside()).toBe(true);
    expect(await set.changedOutside()).toBe(false); // once
    const stats = await set.stats();
    expect([stats.pending, stats.dead_letter]).toEqual([2, 0]); // shard 1 counted again
    expect((await set.takePending(10, 1_000_000, 0)).map((it) => it.click.click_id).sort()).toEqual(inShard1.map((d) => d.click_id).sort());
  });

  it("one shard, not growable: every call is the shard's own", async () => {
    const dir = tempDataDir();
    const s0 = await shard(dir, 0, 3);
    const set = new OutboxShardSet([{ shard: 0, ops: s0 }]);
    const got = await set.takePending(10, 1_000_000, 0);
    expect(got.map((it) => it.seq)).toEqual([1, 2, 3]);
    expect(() => set.attach(1, s0)).toThrow(/not growable/);
  });
});
