/**
 * The k-way merge behind `export` over several outbox shards: sorted output, one item per
 * source held, and every source closed when the consumer stops early.
 */
import { describe, expect, it } from 'vitest';
import { mergeSorted } from '../../../src/lib/merge-sorted.js';

const num = (a: number, b: number): number => a - b;

describe('mergeSorted', () => {
  it('merges sorted sources into one sorted sequence, empty sources included', () => {
    expect([...mergeSorted([[1, 4, 9], [], [2, 3, 10], [5]], num)]).toEqual([1, 2, 3, 4, 5, 9, 10]);
    expect([...mergeSorted([], num)]).toEqual([]);
  });

  it('takes equal items from the earlier source first', () => {
    const items = [...mergeSorted([[{ k: 1, s: 'a' }], [{ k: 1, s: 'b' }]], (x, y) => x.k - y.k)];
    expect(items.map((i) => i.s)).toEqual(['a', 'b']);
  });

  it('pulls lazily and closes every source when the consumer stops', () => {
    const closed: number[] = [];
    let pulled = 0;
    function* source(id: number, from: number): Generator<number> {
      try {
        for (let i = from; ; i += 2) {
          pulled++;
          yield i;
        }
      } finally {
        closed.push(id);
      }
    }
    const out: number[] = [];
    for (const n of mergeSorted([source(0, 0), source(1, 1)], num)) {
      out.push(n);
      if (out.length === 5) break;
    }
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(pulled).toBeLessThanOrEqual(7); // never more than one item ahead per source
    expect(closed.sort()).toEqual([0, 1]);
  });
});
