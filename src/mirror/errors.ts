/**
 * Errors the mirror stage raises, with stable codes in the project's
 * `CR_ERR_<AREA>_<WHAT>` form so logs, metrics and the CLI can key on them.
 * (A project-wide catalogue in src/errors.ts may absorb these; the codes stay.)
 *
 * Hazard: messages end up in logs and on the operator's terminal, so they are
 * built here from our own words only — never from request headers — and
 * `redactSecret` scrubs the API key from anything that came from elsewhere.
 */

export const MIRROR_ERROR_CODES = {
  CR_ERR_MIRROR_AUTH: { recoverable: false, action: 'check main_system.api_key_file / $CLICKRELAY_MAIN_SYSTEM_API_KEY: the main system rejected the API key' },
  CR_ERR_MIRROR_NO_API_KEY: { recoverable: false, action: 'set main_system.api_key_file, $CLICKRELAY_MAIN_SYSTEM_API_KEY or a systemd credential main_system_api_key' },
  CR_ERR_MIRROR_HTTP_STATUS: { recoverable: true, action: 'the main system answered an error; the old mirror keeps serving, the next sync retries' },
  CR_ERR_MIRROR_TIMEOUT: { recoverable: true, action: 'the main system was too slow (main_system.timeout_ms); the next sync retries' },
  CR_ERR_MIRROR_NETWORK: { recoverable: true, action: 'the main system could not be reached; the next sync retries' },
  CR_ERR_MIRROR_BAD_JSON: { recoverable: true, action: 'the main system answered something that is not JSON; check the base_url points at the main system' },
  CR_ERR_MIRROR_BAD_RESPONSE: { recoverable: true, action: 'the main system answered JSON of an unexpected shape; check it implements GET /api/link-tracking/links' },
  CR_ERR_MIRROR_FILE: { recoverable: false, action: 'fix sync.file: it must be a JSON array or NDJSON of link objects' },
  CR_ERR_MIRROR_NO_SOURCE: { recoverable: false, action: 'set main_system.base_url or sync.file' },
  CR_ERR_MIRROR_SCHEDULE: { recoverable: false, action: 'fix sync.schedule: 5 cron fields, or 6 with seconds first' },
  CR_ERR_MIRROR_STORE: { recoverable: true, action: 'mirror.db could not be written or swapped; check storage.data_dir is writable and has space' },
  CR_ERR_MIRROR_CORRUPT: { recoverable: true, action: 'mirror.db is unreadable; it is moved aside and rebuilt by the next sync' },
  CR_ERR_MIRROR_BUSY: { recoverable: true, action: 'a sync is already running in this process' },
  CR_ERR_MIRROR_DB_ACCESS: { recoverable: false, action: "the main system's database refused the login or a right, or lacks the guide's tables: check the password (main_system.database_password_file) and the GRANTs in the README" },
  CR_ERR_MIRROR_DB: { recoverable: true, action: "the main system's database answered an error; the old mirror keeps serving, the next sync retries" },
  CR_ERR_MIRROR_ABORTED: { recoverable: true, action: 'the sync was stopped (shutdown); the old mirror stays' },
  CR_ERR_MIRROR_REFUSED: { recoverable: false, action: 'the listing would reject, remove or deactivate more than sync.max_change_ratio of the mirror, so it was refused and the old mirror keeps serving; check the main system (the error names the first ids per reason), then accept it on purpose with `clickrelay sync --force`' },
  CR_ERR_MIRROR_DEADLINE: { recoverable: true, action: 'the sync took longer than sync.deadline_seconds and was abandoned; the old mirror stays. Check the main system\'s speed, or raise the deadline' },
  CR_ERR_MIRROR_PAGE_CAP: { recoverable: true, action: 'the listing went on past sync.max_pages pages (a main system handing out cursors for ever?); the old mirror stays. Check the main system, or raise sync.max_pages' },
} as const;

export type MirrorErrorCode = keyof typeof MIRROR_ERROR_CODES;

export class MirrorError extends Error {
  override readonly name = 'MirrorError';
  readonly code: MirrorErrorCode;
  readonly recoverable: boolean;
  /** HTTP status from the main system, when there was one. */
  readonly status: number | undefined;
  /** Plain data for the operator (a refusal's counts and sample ids); crosses threads, lands in mirror-sync.json. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MirrorErrorCode, message: string, opts: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.recoverable = MIRROR_ERROR_CODES[code].recoverable;
    this.status = opts.status;
    this.details = opts.details;
  }
}

/** Replace every occurrence of `secret` in `text`; a belt to the braces of never formatting it in. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('[redacted]');
}

/** Scheme, host, port and path only: a base_url may carry `user:pass@` or a query with a token. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Any failure of a sync as a MirrorError, with the API key scrubbed from whatever it says. */
export function toMirrorError(err: unknown, secret: string | undefined): MirrorError {
  if (err instanceof MirrorError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new MirrorError('CR_ERR_MIRROR_ABORTED', 'sync aborted', { cause: err });
  const detail = redactSecret(String(e.message ?? e.code ?? 'error'), secret);
  return new MirrorError('CR_ERR_MIRROR_STORE', `sync failed: ${detail}`, { cause: err });
}
