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
  CR_ERR_LISTEN_PRIVILEGED: { recoverable: false, action: 'A port below 1024 needs CAP_NET_BIND_SERVICE: install systemd/clickrelay.service.d/bind-low-ports.conf.example as /etc/systemd/system/clickrelay.service.d/bind-low-ports.conf (then systemctl daemon-reload), or listen on 8080 behind a proxy.' },
  CR_ERR_TLS_UNAVAILABLE: { recoverable: false, action: 'server.tls_cert_file is set but the loaded uWebSockets.js build has no TLS: terminate TLS in a proxy (README, TLS), or run Node 22/24 on glibc >= 2.38.' },
  CR_ERR_UNEXPECTED: { recoverable: false, action: 'An error without a code of its own: the line names its cause and where it was raised. Report it with the log.' },
  CR_ERR_POLICY_WEAKENED: { recoverable: true, action: 'A privacy setting is weaker than its default (start-up warning, status, privacy notice; audit --strict fails). Restore the default unless a documented need requires it.' },
  CR_ERR_ANALYTICS_READ: { recoverable: true, action: 'Local analytics (admin /api/link-tracking/analytics) could not read mirror.db or outbox.db and answered 500; redirects are unaffected. The log line names the file part and the cause: check the file, its permissions and the disk.' },
  CR_ERR_DATA_DIR: { recoverable: false, action: 'storage.data_dir could not be created: the message names the errno (EACCES: make its parent writable by the service user; ENOENT/ENOTDIR: a parent is missing or is a file; EROFS: a read-only file system).' },
  CR_ERR_COUNTRY_DB: { recoverable: false, action: 'privacy.country = "country" but the IP-to-country database (npm package @ip-location-db/geo-whois-asn-country-mmdb) is missing or unreadable: npm install (or npm ci) in the install folder, or set privacy.country = "off".' },
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

/**
 * The underlying cause of a failure as one line that names its errno or code: Node's fs
 * errors carry it in the message ("ENOENT: no such file or directory, open '…'"), SQLite's
 * only in `.code` ("SQLITE_CANTOPEN" beside "unable to open database file").
 */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
}
