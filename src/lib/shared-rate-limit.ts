/**
 * The token buckets of rate-limit.ts in shared memory, for a service whose serving threads
 * (server.threads > 1) must admit the configured rate together, not once per thread: a
 * client whose connections land on two threads still gets `perSecond`, not twice it.
 *
 * No message per request: every thread takes its tokens from the same SharedArrayBuffer.
 * The buckets are a fixed table of GROUPS groups of SLOTS slots each; a key (the client's
 * truncated address) hashes to one group, and a group is changed only under its lock (one
 * Atomics.compareExchange, held for a few dozen instructions). A slot whose bucket has
 * refilled to full carries no information and is reused, which is rate-limit.ts's sweep; when
 * all slots of a group hold live buckets the new key is refused, as there a full table is.
 * Keys are told apart by a 64-bit hash: two clients colliding on all 64 bits would share a
 * bucket, which costs them tokens and nobody else anything.
 */
import type { Clock, RateLimiter } from './rate-limit.js';

const GROUPS = 1 << 14;
const SLOTS = 8;
/** Spins before a lock is taken over: a thread killed inside the few lines it guards must not stop the others. */
const MAX_SPINS = 1 << 20;

export interface SharedBuckets {
  /** [GROUPS] locks, then [GROUPS * SLOTS * 2] key hashes */
  ints: SharedArrayBuffer;
  /** [GROUPS * SLOTS * 2]: tokens and the time of the last take, per slot */
  floats: SharedArrayBuffer;
}

/** The memory one limiter shares between threads: made once by the main thread, posted to each. */
export function sharedBuckets(): SharedBuckets {
  return { ints: new SharedArrayBuffer(4 * (GROUPS + GROUPS * SLOTS * 2)), floats: new SharedArrayBuffer(8 * GROUPS * SLOTS * 2) };
}

/** Two independent 32-bit FNV-1a variants of the key; the second is never 0, so a used slot never looks empty. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

export function createSharedRateLimiter(mem: SharedBuckets, perSecond: number, burst: number, clock: Clock = Date.now): RateLimiter {
  const locks = new Int32Array(mem.ints, 0, GROUPS);
  const ids = new Uint32Array(mem.ints, 4 * GROUPS, GROUPS * SLOTS * 2);
  const f = new Float64Array(mem.floats);
  const fullAfterMs = (burst / perSecond) * 1000;

  const lock = (g: number): void => {
    for (let spins = 0; Atomics.compareExchange(locks, g, 0, 1) !== 0; spins++) {
      if (spins >= MAX_SPINS) return; // its holder died inside: go on as the holder
    }
  };

  return {
    take(key, now = clock()) {
      const [ha, hb] = hashes(key);
      const g = ha & (GROUPS - 1);
      const first = g * SLOTS;
      lock(g);
      try {
        let slot = -1;
        let free = -1;
        for (let s = first; s < first + SLOTS; s++) {
          if (ids[2 * s] === ha && ids[2 * s + 1] === hb) {
            slot = s;
            break;
          }
          if (free < 0 && (ids[2 * s + 1] === 0 || now - f[2 * s + 1]! >= fullAfterMs)) free = s;
        }
        if (slot < 0) {
          if (free < 0) return 1; // every bucket of the group is live: refuse the new key
          slot = free;
          ids[2 * slot] = ha;
          ids[2 * slot + 1] = hb;
          f[2 * slot] = burst;
        } else {
          f[2 * slot] = Math.min(burst, f[2 * slot]! + ((now - f[2 * slot + 1]!) / 1000) * perSecond);
        }
        f[2 * slot + 1] = now;
        if (f[2 * slot]! >= 1) {
          f[2 * slot] = f[2 * slot]! - 1;
          return 0;
        }
        return Math.max(1, Math.ceil((1 - f[2 * slot]!) / perSecond));
      } finally {
        Atomics.store(locks, g, 0);
      }
    },
    size() {
      const now = clock();
      let n = 0;
      for (let s = 0; s < GROUPS * SLOTS; s++) if (ids[2 * s + 1] !== 0 && now - f[2 * s + 1]! < fullAfterMs) n++;
      return n;
    },
  };
}
