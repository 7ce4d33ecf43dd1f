/**
 * Switches that make the reference main system misbehave, settable at any time while it
 * runs. Each rule can be narrowed to some routes, let the first `skip` matching requests
 * through, fire at most `count` times, and fire with probability `rate` drawn from a
 * seeded RNG (so a failing run can be replayed).
 *
 * Order in which they are consulted for a request: slowMs → dropBeforeStore →
 * unauthorized → API key → notFoundRoutes → status429 → status5xx → garbage →
 * (route: the listing's emptyListing / driftIsActive / endlessCursors) → dropAfterStore.
 */

export type RouteName = 'links' | 'analytics' | 'record-click' | 'record-clicks' | 'other';

export interface FaultRule {
  /** Probability 0..1 that a matching request is hit (default 1). */
  rate?: number;
  /** Fire at most this many times (default unlimited). */
  count?: number;
  /** Let this many matching requests through first (e.g. skip: 2 → fires from the 3rd). */
  skip?: number;
  /** Only these routes (default all). */
  routes?: RouteName[];
}

/** Deterministic PRNG (mulberry32): fast, seedable, good enough for fault rates. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  /** Answer 5xx (default 500) instead of handling the request. */
  status5xx: (FaultRule & { status?: number }) | null = null;
  /** Answer 429 with `Retry-After: retryAfter` (seconds, default 1). */
  status429: (FaultRule & { retryAfter?: number | string }) | null = null;
  /** Wait before answering: a number applies to every request; a rule narrows it. */
  slowMs: number | (FaultRule & { ms: number }) = 0;
  /** Store the clicks, then destroy the socket without answering (POST routes). */
  dropAfterStore: FaultRule | null = null;
  /** Destroy the socket without doing anything (any route: e.g. a listing page). */
  dropBeforeStore: FaultRule | null = null;
  /** Answer 200 with a body that is not JSON. */
  garbage: FaultRule | null = null;
  /** Answer 401 whatever key is sent. */
  unauthorized: boolean | FaultRule = false;
  /** Clicks for these ids are rejected (batch: status "rejected"; single: 422). */
  poisonTrackingIds = new Set<string>();
  /** These routes answer 404, as on a main system without the contract's extensions. */
  notFoundRoutes = new Set<RouteName>();
  /** record-clicks with more clicks than this answers 413. */
  maxBatch: number | null = null;
  /**
   * Listing: serve every link's `is_active` as a string ("true"/"false"), a main system
   * whose serializer drifted. Each listing request counts once (rules narrow by request).
   */
  driftIsActive: FaultRule | null = null;
  /** Listing: answer `{"links":[],"next_cursor":null}`, as a main system with an empty or unreachable table might. */
  emptyListing: FaultRule | null = null;
  /** Listing: never end; past the last link, every page is empty and hands out a new cursor. */
  endlessCursors = false;

  #rng: () => number;
  readonly #state = new WeakMap<object, { seen: number; fired: number }>();
  readonly #setDown: (down: boolean) => Promise<void>;
  #down = false;

  constructor(seed: number, setDown: (down: boolean) => Promise<void>) {
    this.#rng = mulberry32(seed);
    this.#setDown = setDown;
  }

  /** Stop listening (connections refused, open ones reset) / listen again on the same port. */
  get down(): boolean {
    return this.#down;
  }
  set down(v: boolean) {
    void this.setDown(v);
  }

  /** As the `down` setter, but resolves once the listener is closed / listening again. */
  setDown(v: boolean): Promise<void> {
    this.#down = v;
    return this.#setDown(v);
  }

  /** Re-seed the RNG (rates become reproducible from here). */
  seed(n: number): void {
    this.#rng = mulberry32(n);
  }

  /** Every switch off. */
  reset(): void {
    this.status5xx = null;
    this.status429 = null;
    this.slowMs = 0;
    this.dropAfterStore = null;
    this.dropBeforeStore = null;
    this.garbage = null;
    this.unauthorized = false;
    this.poisonTrackingIds.clear();
    this.notFoundRoutes.clear();
    this.maxBatch = null;
    this.driftIsActive = null;
    this.emptyListing = null;
    this.endlessCursors = false;
  }

  /** Whether `rule` hits this request (and count it if so). */
  fires(rule: FaultRule | boolean | null | undefined, route: RouteName): boolean {
    if (!rule) return false;
    if (rule === true) return true;
    if (rule.routes && !rule.routes.includes(route)) return false;
    let st = this.#state.get(rule);
    if (!st) {
      st = { seen: 0, fired: 0 };
      this.#state.set(rule, st);
    }
    st.seen++;
    if (st.seen <= (rule.skip ?? 0)) return false;
    if (rule.count !== undefined && st.fired >= rule.count) return false;
    if (rule.rate !== undefined && rule.rate < 1 && this.#rng() >= rule.rate) return false;
    st.fired++;
    return true;
  }

  /** Delay for this request, 0 for none. */
  delayFor(route: RouteName): number {
    const s = this.slowMs;
    if (typeof s === 'number') return s;
    return this.fires(s, route) ? s.ms : 0;
  }
}
