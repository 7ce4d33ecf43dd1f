/**
 * Errors the mirror stage raises, with stable codes in the project's
 * `CR_ERR_<AREA>_<WHAT>` form so logs, metrics and the CLI can key on them.
 * The codes, their actions and whether they recover are declared in src/error-catalogue.ts
 * with every other area's; MirrorError is a ClickrelayError restricted to CR_ERR_MIRROR_*.
 *
 * Hazard: messages end up in logs and on the operator's terminal, so they are
 * built here from our own words only — never from request headers — and
 * `redactSecret` scrubs the API key from anything that came from elsewhere.
 */

import { ERRORS, type AreaErrorCode, type ErrorInfo } from '../error-catalogue.js';
import { ClickrelayError, scrubSecrets } from '../errors.js';

export type MirrorErrorCode = AreaErrorCode<'MIRROR'>;

/** The mirror's rows of the one catalogue (src/error-catalogue.ts), for code that lists them. */
export const MIRROR_ERROR_CODES = Object.freeze(
  Object.fromEntries(Object.entries(ERRORS).filter(([code]) => code.startsWith('CR_ERR_MIRROR_'))),
) as Readonly<Record<MirrorErrorCode, ErrorInfo>>;

export class MirrorError extends ClickrelayError<MirrorErrorCode> {
  override readonly name = 'MirrorError';
  /** HTTP status from the main system, when there was one. */
  readonly status: number | undefined;
  /** Plain data for the operator (a refusal's counts and sample ids); crosses threads, lands in mirror-sync.json. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MirrorErrorCode, message: string, opts: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
    this.details = opts.details;
  }
}

/** Any failure of a sync as a MirrorError, with the API key scrubbed from whatever it says. */
export function toMirrorError(err: unknown, secret: string | undefined): MirrorError {
  if (err instanceof MirrorError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted', { cause: err });
  const detail = scrubSecrets(String(e.message ?? e.code ?? 'error'), [secret]);
  return new MirrorError('CR_ERR_MIRROR_STORE', `sync failed: ${detail}`, { cause: err });
}
