/**
 * The base class of every error clickrelay raises on purpose. Its `code` is stable
 * (CR_ERR_<AREA>_<WHAT>) and declared once in src/error-catalogue.ts, beside whether the
 * service recovers by itself and what the operator should do; an error reads those from the
 * catalogue rather than carrying its own copy, so the CLI, the logs and docs/errors.md
 * cannot disagree. Areas with their own class (MirrorError, OutboxError) extend this one and
 * narrow `code` to their area's prefix.
 */
import { ERRORS, type ErrorCode } from './error-catalogue.js';

export { ERRORS, type ErrorCode, type ErrorInfo } from './error-catalogue.js';

export class ClickrelayError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ClickrelayError';
  }

  // Getters, not fields: they are the catalogue's, so they stay out of logged and
  // structured-cloned error objects (which carry the code that names them).
  get recoverable(): boolean {
    return ERRORS[this.code].recoverable;
  }

  get action(): string {
    return ERRORS[this.code].action;
  }

  /** The configuration is the cause (catalogue flag `config`): the CLI exits 2, not 1. */
  get isConfigError(): boolean {
    return (ERRORS[this.code] as { config?: true }).config === true;
  }
}

/** A value the loader (or a stage compiling a key's value) does not accept; names the key. */
export class ConfigError extends ClickrelayError<'CR_ERR_CONFIG_INVALID'> {
  constructor(message: string) {
    super('CR_ERR_CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

/**
 * The underlying cause of a failure as one line that names its errno or code: Node's fs
 * errors carry it in the message ("ENOENT: no such file or directory, open '…'"), SQLite's
 * only in `.code` ("SQLITE_CANTOPEN" beside "unable to open database file"). A
 * ClickrelayError's code is kept by whoever rethrows it, so it is not repeated in the text.
 */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof ClickrelayError) return err.message;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
}

/**
 * Every occurrence of each secret replaced by "[redacted]", so a credential never reaches the
 * text an error or a status shows: the adapters scrub their API key or database password, the
 * mirror the secret of the link source it was handed. Secrets shorter than 4 characters are
 * left alone (they would shred ordinary words).
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
