/**
 * A k-way merge of iterators that are each sorted by `compare`: yields the smallest head
 * next, pulling one item at a time, so memory is one item per source however long they are
 * (the export of several outbox shards, session ids counted over shards). k is small (one
 * source per outbox shard), so the smallest head is found by a scan rather than a heap.
 */
export function* mergeSorted<T>(sources: readonly Iterable<T>[], compare: (a: T, b: T) => number): Generator<T> {
  const its = sources.map((s) => s[Symbol.iterator]());
  const heads: (IteratorResult<T> | null)[] = its.map((it) => it.next());
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (!h || h.done) continue;
        if (best < 0 || compare(h.value, (heads[best] as IteratorYieldResult<T>).value) < 0) best = i;
      }
      if (best < 0) return;
      const h = heads[best] as IteratorYieldResult<T>;
      yield h.value;
      heads[best] = its[best]!.next();
    }
  } finally {
    // Stopped early (a consumer's break, an error): let every source close its statement.
    for (let i = 0; i < its.length; i++) if (heads[i] && !heads[i]!.done) its[i]!.return?.();
  }
}
