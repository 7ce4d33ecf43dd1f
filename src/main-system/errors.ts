/**
 * What the main-system adapters raise: one class of the one family (src/errors.ts), with the
 * CR_ERR_MAIN_* codes of src/error-catalogue.ts. The adapters know nothing of the stages that
 * use them, so they do not speak the mirror's or the shipper's codes: the mirror maps these
 * to what a sync or a miss reports (mirror/errors.ts), the shipper reads outcomes, not errors.
 */
import type { AreaErrorCode } from '../error-catalogue.js';
import { ClickrelayError } from '../errors.js';

export type MainSystemErrorCode = AreaErrorCode<'MAIN'>;

export class MainSystemError extends ClickrelayError<MainSystemErrorCode> {
  override readonly name = 'MainSystemError';
  /** HTTP status from the main system, when there was one. */
  readonly status: number | undefined;

  constructor(code: MainSystemErrorCode, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
  }
}
