/**
 * One catalogue of the errors an operator can meet, with stable codes
 * (CR_ERR_<AREA>_<WHAT>), whether the service recovers by itself, and what to do.
 * Stages with their own codes (mirror, outbox) are joined with these in
 * src/error-catalogue.ts, which docs/errors.md follows.
 */

export interface ErrorInfo {
  readonly recoverable: boolean;
  readonly action: string;
}

export const ERRORS = {
  CR_ERR_CONFIG_INVALID: { recoverable: false, action: 'Fix the named key in the config file or environment, then start again.' },
  CR_ERR_UWS_NO_NATIVE: { recoverable: false, action: 'Run a Node.js/glibc pair that a uWebSockets.js build supports (see README), or set server.allow_js_fallback = true to accept the slow JS imitation.' },
  CR_ERR_LISTEN_FAILED: { recoverable: false, action: 'Another process holds the port, or the address is not on this host: change server/admin host or port.' },
  CR_ERR_OUTBOX_WRITE: { recoverable: true, action: 'A click could not be stored (disk full or read-only?). Free space or fix permissions on storage.data_dir; recording resumes by itself.' },
  CR_ERR_SHIP_UNAUTHORIZED: { recoverable: true, action: 'Shipping is paused because the main system rejected the API key; clicks stay pending. Fix the key and restart.' },
  CR_ERR_SHIP_DB_ACCESS: { recoverable: true, action: "Shipping is paused because the main system's database refused the login or a right (INSERT on link_clicks); clicks stay pending. Fix the password or the GRANTs (README) and restart." },
  CR_ERR_SHIP_RETRYING: { recoverable: true, action: 'The main system is down, slow or refusing; clicks stay pending and are retried with backoff. Watch clickrelay_outbox_oldest_pending_seconds.' },
  CR_ERR_AUDIT_VIOLATION: { recoverable: false, action: 'The outbox breaks a privacy rule or its hash chain: keep a copy of outbox.db and outbox.head and investigate the named click ids.' },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

export class ClickrelayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ClickrelayError';
  }
}

export class ConfigError extends ClickrelayError {
  constructor(message: string) {
    super('CR_ERR_CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}
