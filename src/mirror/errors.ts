/**
 * Errors the mirror stage raises, with stable codes in the project's
 * `CR_ERR_<AREA>_<WHAT>` form so logs, metrics and the CLI can key on them.
 * The codes, their actions and whether they recover are declared in src/error-catalogue.ts
 * with every other area's; MirrorError is a ClickrelayError restricted to CR_ERR_MIRROR_*
 * (and the one configuration mistake of a source it reports as is, see FROM_SOURCE).
 *
 * A link source or lookup fails with its adapter's own error (the main system's
 * CR_ERR_MAIN_*): toMirrorError maps it to the mirror's code here, the one place that does.
 *
 * Hazard: messages end up in logs and on the operator's terminal, so they are
 * built here from our own words only — never from request headers — and
 * toMirrorError scrubs the source's secret from anything that came from elsewhere.
 */

import { ERRORS, type AreaErrorCode, type ErrorInfo } from '../error-catalogue.js';
import { ClickrelayError, scrubSecrets } from '../errors.js';

/**
 * The mirror's codes, plus a missing API key: a mistake of the configuration, named the same
 * (CR_ERR_MAIN_NO_API_KEY) whether `serve`, `sync` or `ship` meets it.
 */
export type MirrorErrorCode = AreaErrorCode<'MIRROR'> | 'CR_ERR_MAIN_NO_API_KEY';

/** The mirror's rows of the one catalogue (src/error-catalogue.ts), for code that lists them. */
export const MIRROR_ERROR_CODES = Object.freeze(
  Object.fromEntries(Object.entries(ERRORS).filter(([code]) => code.startsWith('CR_ERR_MIRROR_'))),
) as Readonly<Record<AreaErrorCode<'MIRROR'>, ErrorInfo>>;

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

/** What the mirror reports for each error a main-system adapter raises (src/main-system/errors.ts). */
const FROM_SOURCE: Readonly<Record<AreaErrorCode<'MAIN'>, MirrorErrorCode>> = {
  CR_ERR_MAIN_NO_API_KEY: 'CR_ERR_MAIN_NO_API_KEY',
  CR_ERR_MAIN_AUTH: 'CR_ERR_MIRROR_AUTH',
  CR_ERR_MAIN_HTTP_STATUS: 'CR_ERR_MIRROR_HTTP_STATUS',
  CR_ERR_MAIN_TIMEOUT: 'CR_ERR_MIRROR_TIMEOUT',
  CR_ERR_MAIN_NETWORK: 'CR_ERR_MIRROR_NETWORK',
  CR_ERR_MAIN_BAD_JSON: 'CR_ERR_MIRROR_BAD_JSON',
  CR_ERR_MAIN_BAD_RESPONSE: 'CR_ERR_MIRROR_BAD_RESPONSE',
  CR_ERR_MAIN_DB_ACCESS: 'CR_ERR_MIRROR_DB_ACCESS',
  CR_ERR_MAIN_DB: 'CR_ERR_MIRROR_DB',
  CR_ERR_MAIN_ABORTED: 'CR_ERR_MIRROR_ABORTED',
};

/** A source's error as the mirror reports it, message and HTTP status kept; null if it is not a source's. */
export function fromSourceError(err: unknown): MirrorError | null {
  if (!(err instanceof ClickrelayError) || !(err.code in FROM_SOURCE)) return null;
  const status = (err as { status?: unknown }).status;
  return new MirrorError(FROM_SOURCE[err.code as AreaErrorCode<'MAIN'>], err.message, { ...(typeof status === 'number' ? { status } : {}), cause: err });
}

/**
 * Node's "a module is missing" (the sync thread imports its adapter and builder on demand): the
 * files were replaced under the running process, typically `npm ci` while serving. Not a
 * storage problem, whatever the thread was doing when it noticed.
 */
export function installChangedError(err: unknown): MirrorError | null {
  const e = err as { code?: string; message?: string } | null;
  const missing = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /^Cannot find (module|package) /.test(e?.message ?? '');
  if (!missing) return null;
  return new MirrorError('CR_ERR_MIRROR_INSTALL_CHANGED', `the installation changed under the running service (${e?.message?.split('\n')[0] ?? e?.code}): restart it to load the new version`, { cause: err });
}

/** Any failure of a sync as a MirrorError, with the API key scrubbed from whatever it says. */
export function toMirrorError(err: unknown, secret: string | undefined): MirrorError {
  if (err instanceof MirrorError) return err;
  const mapped = fromSourceError(err);
  if (mapped) return mapped;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted', { cause: err });
  const moved = installChangedError(err);
  if (moved) return moved;
  const detail = scrubSecrets(String(e.message ?? e.code ?? 'error'), [secret]);
  return new MirrorError('CR_ERR_MIRROR_STORE', `sync failed: ${detail}`, { cause: err });
}
