/**
 * The two main-system gauges, set here and nowhere else, each with one meaning
 * (docs/monitoring/README.md):
 *   clickrelay_main_system_up         1: the last sync or shipment got an answer clickrelay could use
 *                                        (a 429 leaves it as it was: a healthy system asking for patience);
 *                                     0: it failed, for any reason.
 *   clickrelay_main_system_reachable  1: the last sync or shipment reached the main system;
 *                                     0: it could not connect or timed out. An answer that could not be
 *                                        used (a 500, a refused key) leaves it as it was.
 * So up=0 with reachable=1 is "it answers, but badly", up=0 with reachable=0 is "network".
 * Without a main system (neither the link source nor the click sink is one, as the registry
 * says: adapters/registry.ts) both are removed from /metrics, as a 0 would page someone for nothing.
 */
import { talksToMainSystem } from '../adapters/registry.js';
import type { ClickSinkKind, LinkSourceKind } from '../config/settings.js';
import type { Metrics } from '../observe/metrics.js';

export interface MainSystemHealth {
  /** A sync or shipment got an answer it could use. */
  usable(): void;
  /** A sync or shipment failed on an answer (an error status, a refused credential, a bad listing). */
  failed(): void;
  /** A sync or shipment could not connect, or timed out. */
  unreachable(): void;
}

export function mainSystemHealth(m: Metrics, kinds: { linkSource: LinkSourceKind; clickSink: ClickSinkKind }): MainSystemHealth {
  if (!talksToMainSystem(kinds)) {
    m.registry.removeSingleMetric('clickrelay_main_system_up');
    m.registry.removeSingleMetric('clickrelay_main_system_reachable');
    return { usable() {}, failed() {}, unreachable() {} };
  }
  return {
    usable() {
      m.mainSystemUp.set(1);
      m.mainSystemReachable.set(1);
    },
    failed() {
      m.mainSystemUp.set(0);
    },
    unreachable() {
      m.mainSystemUp.set(0);
      m.mainSystemReachable.set(0);
    },
  };
}
