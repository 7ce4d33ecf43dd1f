/**
 * What the shipper reports while shipping (CR_ERR_SHIP_*, src/error-catalogue.ts): the clicks
 * stay pending whatever the code. Logged by the service's events (service/events.ts), never
 * thrown at a caller: the shipper retries or pauses by itself. Which code a refused credential
 * gets depends on the sink (an API key, a database login): src/adapters/registry.ts says.
 */
import type { AreaErrorCode } from '../error-catalogue.js';
import { ClickrelayError } from '../errors.js';

export type ShipErrorCode = AreaErrorCode<'SHIP'>;

export class ShipError extends ClickrelayError<ShipErrorCode> {
  override readonly name = 'ShipError';
  constructor(code: ShipErrorCode, message: string) {
    super(code, message);
  }
}
