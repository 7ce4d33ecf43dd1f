/**
 * How every command reports a failure: one line, `CR_ERR_<AREA>_<WHAT>: message`, because
 * a sysadmin reads it in `systemctl status` (which shows the last lines) and searches
 * docs/errors.md for the code. An error without a code of its own still names its errno
 * and where it was raised, under CR_ERR_UNEXPECTED.
 */
import { ClickrelayError } from '../errors.js';

/** The code and the message, on one line (a message's own line breaks become spaces). */
export function codedLine(err: unknown): string {
  if (err instanceof ClickrelayError) return `${err.code}: ${err.message.replace(/\s*\n\s*/g, ' ')}`;
  const e = err as NodeJS.ErrnoException | undefined;
  const message = (e?.message ?? String(err)).split('\n')[0];
  const errno = e?.code ? ` (${e.code})` : '';
  const at = /\n\s+at (?:.*\()?(.+?:\d+):\d+\)?/.exec(e?.stack ?? '')?.[1];
  return `CR_ERR_UNEXPECTED: ${message}${errno}${at ? ` [at ${at}]` : ''}`;
}

/** 2 when the configuration is the cause (the catalogue's `config` flag), else 1. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof ClickrelayError && err.isConfigError ? 2 : 1;
}
