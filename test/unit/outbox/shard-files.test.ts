/**
 * The shard file names of the contract, and which shards a data folder holds (real files).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listShards, shardFiles } from '../../../src/outbox/shard-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('shard files', () => {
  it('shard 0 keeps outbox.db and outbox.head; shard k is outbox-<k>', () => {
    expect(shardFiles('/d', 0)).toEqual({ db: '/d/outbox.db', head: '/d/outbox.head' });
    expect(shardFiles('/d', 3)).toEqual({ db: '/d/outbox-3.db', head: '/d/outbox-3.head' });
    expect(() => shardFiles('/d', -1)).toThrow(RangeError);
  });

  it('lists the shards present, by database or head, k ascending', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shards-'));
    dirs.push(dir);
    expect(listShards(dir)).toEqual([]);
    expect(listShards(join(dir, 'missing'))).toEqual([]);
    for (const name of ['outbox.db', 'outbox.db-wal', 'outbox-10.db', 'outbox-2.head', 'outbox-01.db', 'outbox-x.db', 'mirror.db', 'outbox.db.damaged-1']) {
      writeFileSync(join(dir, name), '');
    }
    expect(listShards(dir)).toEqual([0, 2, 10]);
  });
});
