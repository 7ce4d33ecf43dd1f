/**
 * The admin listener's POST routes: the operator's CLI asks the running service to act with
 * its own stages, the way its schedule would, instead of doing the work in a second process
 * (which under systemd lacks the unit's credentials, and would be a second writer or shipper).
 *
 *   POST /admin/sync  {"force":true}?   one mirror sync, shared with a running (scheduled) one
 *   POST /admin/ship  {"timeout_s":N}?  the service's shipper ships everything shippable now
 *
 * A sync that fails or is refused still answers 200: the request was carried out, and the body
 * (`ok: false`, the code) is what `clickrelay sync --json` prints. The guide's shapes answer a
 * bad request (400) and a stage that is not there (503).
 */
import type { Mirror } from '../mirror/index.js';
import { syncFailed, syncSucceeded, type SyncAnswer } from '../mirror/sync-answer.js';
import { JsonReply } from '../http/admin/admin-app.js';
import { invalidRequestBody, unavailableBody } from '../http/public/guide-errors.js';
import type { Shipper, ShippingState } from '../shipper/index.js';
import { shipNow } from '../shipper/ship-now.js';

export const SYNC_PATH = '/admin/sync';
export const SHIP_PATH = '/admin/ship';
/** `ship --once`'s default --timeout, and the most a request may ask to wait. */
export const SHIP_DEFAULT_TIMEOUT_S = 60;
export const SHIP_MAX_TIMEOUT_S = 3600;

export interface ControlStages {
  mirror: Mirror;
  /** null standalone: nothing to ship to. */
  shipper: Shipper | null;
  shippingState: ShippingState;
  sink: string;
  /** true once stop() began: a new sync or drain would be cut off. */
  stopping(): boolean;
  /** Told of every request carried out (logged: who changed what is worth a line). */
  onAsked?(route: string, body: Record<string, unknown>): void;
}

type Handler = (body: Record<string, unknown>) => Promise<unknown>;

export function controlRoutes(d: ControlStages): Record<string, Handler> {
  const stopping = () => new JsonReply('503 Service Unavailable', unavailableBody('The service is stopping'));
  return {
    [SYNC_PATH]: async (body): Promise<SyncAnswer | JsonReply> => {
      if (body.force !== undefined && typeof body.force !== 'boolean') return new JsonReply('400 Bad Request', invalidRequestBody('Invalid field: force must be true or false', ['force']));
      if (d.stopping()) return stopping();
      d.onAsked?.(SYNC_PATH, body);
      return d.mirror.sync({ force: body.force === true }).then(syncSucceeded, syncFailed);
    },
    [SHIP_PATH]: async (body) => {
      const t = body.timeout_s ?? SHIP_DEFAULT_TIMEOUT_S;
      if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > SHIP_MAX_TIMEOUT_S) {
        return new JsonReply('400 Bad Request', invalidRequestBody(`Invalid field: timeout_s must be a number of seconds from 0 to ${SHIP_MAX_TIMEOUT_S}`, ['timeout_s']));
      }
      if (d.shipper === null) return new JsonReply('503 Service Unavailable', unavailableBody('Shipping is off: the service runs standalone (no main_system.base_url, database_url or NATS sink)'));
      if (d.stopping()) return stopping();
      d.onAsked?.(SHIP_PATH, body);
      return shipNow(d.shipper, d.shippingState, d.sink, t * 1000);
    },
  };
}
