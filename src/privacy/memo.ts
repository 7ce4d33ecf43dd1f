/**
 * A string-keyed memo with a hard size bound. When full it is simply cleared: on the hot
 * path a hit must cost one Map lookup, and an LRU's bookkeeping would cost more than the
 * occasional re-parse after a clear. The bound keeps memory flat when a client sends a
 * different header on every request.
 */
export function memoizeString<V>(compute: (key: string) => V, limit = 1_000): (key: string) => V {
  const cache = new Map<string, V>();
  return (key: string): V => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}
