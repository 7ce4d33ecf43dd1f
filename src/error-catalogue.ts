/**
 * The one declaration of every error code clickrelay raises, logs or prints on purpose
 * (CR_ERR_<AREA>_<WHAT>), grouped by area: whether the service recovers by itself, what the
 * operator should do, and whether the cause is the configuration (then the CLI exits 2).
 * ClickrelayError (src/errors.ts) and its area classes look their code up here;
 * docs/errors.md is this table in prose, and test/unit/errors.test.ts keeps the two in step
 * and fails on a CR_ERR_ literal in src/ that is not declared here.
 */

export interface ErrorInfo {
  readonly recoverable: boolean;
  readonly action: string;
  /**
   * The operator's configuration is what is wrong (a key's value, a file a key names, or a
   * key the installed build cannot honour): fixing it and starting again is the remedy, so
   * the CLI exits 2 ("usage or configuration"), as for a mistake the loader finds.
   */
  readonly config?: true;
}

export const ERRORS = {
  // Configuration and start-up (src/config, src/cli, src/service, src/redirect/uws.ts, listen.ts, src/fs).
  CR_ERR_CONFIG_INVALID: { recoverable: false, action: 'Fix the named key in the config file or environment, then start again.', config: true },
  CR_ERR_TLS_UNAVAILABLE: { recoverable: false, action: 'server.tls_cert_file is set but the loaded uWebSockets.js build has no TLS: terminate TLS in a proxy (README, TLS), or run Node 22/24 on glibc >= 2.38.', config: true },
  CR_ERR_COUNTRY_DB: { recoverable: false, action: 'privacy.country = "country" but the IP-to-country database (npm package @ip-location-db/geo-whois-asn-country-mmdb) is missing or unreadable: npm install (or npm ci) in the install folder, or set privacy.country = "off".', config: true },
  CR_ERR_COUNTRY_DB_UNREADABLE: { recoverable: false, action: 'The country database file cannot be read as a MaxMind DB (missing, no permission, truncated, or not an .mmdb file; the message names the file and why): fix the path or its permissions, or download the database again.', config: true },
  CR_ERR_COUNTRY_DB_TYPE: { recoverable: false, action: 'The file is a MaxMind DB but not a usable country database: its database_type is not a country edition (a City or ASN file?), its ip_version is neither 4 nor 6, or it carries no build date. Use a country edition: DB-IP IP to Country Lite, GeoLite2 Country, or an ip-location-db country .mmdb.', config: true },
  CR_ERR_COUNTRY_DB_REPLACEMENT: { recoverable: true, action: 'The country database file was replaced by one that is refused (the message says why); the previous database stays in use. Put a complete country database in its place: write it beside it and rename it over the old one.' },
  CR_ERR_COUNTRY_DB_STALE: { recoverable: true, action: 'The IP-to-country database is older than allowed (60 days unless configured): countries drift as address blocks change hands. Download a current country database (monthly, e.g. with a systemd timer; README) and use it instead; the bundled npm package is no longer updated.' },
  CR_ERR_UWS_NO_NATIVE: { recoverable: false, action: 'Run a Node.js/glibc pair that a uWebSockets.js build supports (see README), or set server.allow_js_fallback = true to accept the slow JS imitation.' },
  CR_ERR_LISTEN_FAILED: { recoverable: false, action: 'Another process holds the port, or the address is not on this host: change server/admin host or port.' },
  CR_ERR_LISTEN_PRIVILEGED: { recoverable: false, action: 'A port below 1024 needs CAP_NET_BIND_SERVICE: install systemd/clickrelay.service.d/bind-low-ports.conf.example as /etc/systemd/system/clickrelay.service.d/bind-low-ports.conf (then systemctl daemon-reload), or listen on 8080 behind a proxy.' },
  CR_ERR_PORT_TAKEN: { recoverable: false, action: 'Another clickrelay serve already serves this public address (its serving threads share the port with SO_REUSEPORT, so a second one would silently take part of the traffic): stop it first, or give this one another server.port.' },
  CR_ERR_SERVING_THREAD_DIED: { recoverable: true, action: 'A serving thread (server.threads) exited unexpectedly and is restarted; its outbox shard is reopened and checked as at start-up. Clicks it had answered are on disk; requests it held unanswered were dropped with their connections. Report it with the log.' },
  CR_ERR_DATA_PERMISSION: { recoverable: false, action: 'A file in storage.data_dir exists but this user may not open it (EACCES/EPERM; the message names the file): usually a command run as root left it behind. The file is not damaged and is left in place. Give the folder back to the service user (chown -R <service user>: <data_dir>; chmod 0600 the files), then start again. clickrelay commands run as root act as the folder\'s owner, so this does not recur.' },
  CR_ERR_DATA_DIR_OWNER: { recoverable: false, action: 'The command was run as root, storage.data_dir belongs to another user, and that user cannot reach the folder from here (a parent such as /var/lib/private is closed to it: systemd DynamicUser=). Nothing was opened. Run the command as the service instead: the message names the exact systemd-run command. The same code when that user cannot read the clickrelay install the command runs from (a checkout under root\'s 0700 home): run the install the service runs from. With serve running, sync and ship --once ask the serve and need neither.' },
  CR_ERR_TRANSPORT_UNENCRYPTED: { recoverable: true, action: 'A warning: the API key, the database password or the clicks would cross a network in clear text (http:// to another machine, a remote database without sslmode=require/verify-full, nats:// to a remote server without TLS). Use https://, sslmode=verify-full or TLS; `audit --strict` fails until then.' },
  CR_ERR_BACKUP_TARGET: { recoverable: false, action: 'clickrelay backup writes only into a new or empty folder, and clickrelay restore only into an empty (or missing) storage.data_dir with no serve running, from a folder made by clickrelay backup (the message says which): choose another folder, or stop serve first.' },
  CR_ERR_DATA_DIR: { recoverable: false, action: 'storage.data_dir could not be created: the message names the errno (EACCES: make its parent writable by the service user; ENOENT/ENOTDIR: a parent is missing or is a file; EROFS: a read-only file system).' },
  CR_ERR_DATA_DIR_LOCKED: { recoverable: false, action: 'Another clickrelay process (named in the message: a second serve, or a ship --once / dead-letters run) holds storage.data_dir: one process writes a data folder at a time. Stop the other one, or point this one at a data folder of its own. The lock dies with its process: a crashed serve never blocks the next start.' },
  CR_ERR_ADMIN_UNREACHABLE: { recoverable: false, action: 'A serve runs on this data folder (its serve.json names its pid and admin port), but its admin listener does not answer, so `clickrelay sync` / `ship --once` cannot ask it to do the work, and will not do it beside it. Check the serve (systemctl status clickrelay, its log) and that admin.host/admin.port are reachable from this host; once it answers (or is stopped), run the command again.' },
  CR_ERR_ADMIN_CONTROL: { recoverable: false, action: 'The running serve refused what `clickrelay sync` / `ship --once` asked through its admin listener (the message has its answer). HTTP 401: run the command as root or as the service user, who can read the per-run control token <data_dir>/admin-control.token (or set admin.token_file to the serve\'s); a serve started again since has a new token. HTTP 503: the serve is stopping, or runs standalone (nothing to ship to).' },
  CR_ERR_TRUST_PROXY_BROAD: { recoverable: true, action: 'server.trust_proxy holds a range shorter than /8 (0.0.0.0/0, ::/0, …): every client in it can forge its address with X-Forwarded-For. Accepted, but list only the addresses of your own proxies (README, Behind a proxy).' },
  CR_ERR_UNEXPECTED: { recoverable: false, action: 'An error without a code of its own: the line names its cause and where it was raised. Report it with the log.' },

  // Outbox (src/outbox): the durable click store. OutboxError carries these.
  CR_ERR_OUTBOX_WRITE: { recoverable: true, action: 'A click could not be stored (disk full or read-only?). Free space or fix permissions on storage.data_dir; recording resumes by itself.' },
  CR_ERR_OUTBOX_COLLISION: { recoverable: true, action: 'A click could not be stored because its position or click_id was already in outbox.db: not a full disk but a bug, or a second writer on the data folder (another process writing outbox.db by hand or from an older clickrelay without the data-folder lock). Those clicks are lost (counted in clickrelay_click_write_errors_total); the writer re-reads the tip and goes on. Find the other writer; report it with the log.' },
  CR_ERR_OUTBOX_WRITER_DIED: { recoverable: true, action: 'The outbox writer thread died and is restarted; clicks of its last batch may be lost (counted in clickrelay_click_write_errors_total). Report it with the log.' },
  CR_ERR_OUTBOX_QUEUE_FULL: { recoverable: true, action: 'More clicks wait for the writer than it can hold: the disk is far too slow or stuck. Check I/O on storage.data_dir.' },
  CR_ERR_OUTBOX_CLOSED: { recoverable: false, action: 'A click arrived while the service was stopping; nothing to do.' },
  CR_ERR_OUTBOX_OPEN: { recoverable: false, action: 'outbox.db could not be opened: check permissions of storage.data_dir, or whether it was written by a newer clickrelay. A file that is not a SQLite database (damaged header): keep a copy, then restore it or start with `clickrelay serve --accept-new-outbox`.' },
  CR_ERR_OUTBOX_BEHIND_HEAD: { recoverable: false, action: 'outbox.db holds fewer clicks than outbox.head records (deleted, emptied or an older copy restored): serve refuses to start. Restore outbox.db (with its -wal) from a backup, or accept the loss with `clickrelay serve --accept-new-outbox` (the audit keeps reporting the missing positions).' },
  CR_ERR_OUTBOX_WAL_DAMAGED: { recoverable: false, action: 'outbox.db-wal is damaged and SQLite would silently drop the committed clicks after the damage: serve refuses to start. Copy outbox.db, outbox.db-wal and outbox.head somewhere safe first; then repair, or accept the loss with `clickrelay serve --accept-new-outbox` (the WAL is kept as outbox.db-wal.damaged-<time>).' },
  CR_ERR_OUTBOX_CORRUPT: { recoverable: false, action: 'outbox.db fails SQLite\'s integrity check: serve refuses to start. Copy the outbox files somewhere safe, try `sqlite3 outbox.db .recover`, or start a new outbox with `clickrelay serve --accept-new-outbox` (the damaged files are kept as outbox.db.damaged-<time>).' },

  // Shipper (src/shipper): logged while shipping; the clicks stay pending. ShipError carries these.
  CR_ERR_SHIP_UNAUTHORIZED: { recoverable: true, action: 'Shipping is paused because the main system rejected the API key; clicks stay pending. Fix the key and restart.' },
  CR_ERR_SHIP_DB_ACCESS: { recoverable: true, action: "Shipping is paused because the main system's database refused the login or a right (INSERT on link_clicks); clicks stay pending. Fix the password or the GRANTs (README) and restart." },
  CR_ERR_SHIP_RETRYING: { recoverable: true, action: 'The main system is down, slow or refusing; clicks stay pending and are retried with backoff. Watch clickrelay_outbox_oldest_pending_seconds.' },

  // NATS JetStream click sink (src/nats): shipping pauses on these; the clicks stay pending, nothing is dead-lettered.
  CR_ERR_NATS_AUTH: { recoverable: true, action: 'Shipping is paused because the NATS server refused the login (nats.credentials_file or the systemd credential nats_credentials: a .creds file, a token or user:password); clicks stay pending. Fix the credential and restart.' },
  CR_ERR_NATS_PERMISSION: { recoverable: true, action: 'Shipping is paused because the NATS user may not publish on nats.subject, or may not subscribe to the _INBOX.> replies its publish acknowledgements come on (or, with create_stream, may not create the stream); clicks stay pending. Grant the permissions in docs/nats.md and restart.' },
  CR_ERR_NATS_NO_STREAM: { recoverable: true, action: 'Shipping is paused because no JetStream stream captures nats.subject (503 no responders) or JetStream is off; clicks stay pending. Create the stream (docs/nats.md), or set nats.create_stream = true, and restart.' },

  // Main system (src/main-system): what its adapters raise. MainSystemError carries these; the
  // mirror reports a failed sync or lookup under its own code (CR_ERR_MIRROR_*, mirror/errors.ts),
  // so only CR_ERR_MAIN_NO_API_KEY, a start-up mistake of the configuration, reaches the operator as is.
  CR_ERR_MAIN_NO_API_KEY: { recoverable: false, action: 'set main_system.api_key_file, $CLICKRELAY_MAIN_SYSTEM_API_KEY or a systemd credential main_system_api_key', config: true },
  CR_ERR_MAIN_AUTH: { recoverable: false, action: 'the main system rejected the API key: check main_system.api_key_file / $CLICKRELAY_MAIN_SYSTEM_API_KEY' },
  CR_ERR_MAIN_HTTP_STATUS: { recoverable: true, action: 'the main system answered an error status; retried' },
  CR_ERR_MAIN_TIMEOUT: { recoverable: true, action: 'the main system was too slow (main_system.timeout_ms); retried' },
  CR_ERR_MAIN_NETWORK: { recoverable: true, action: 'the main system could not be reached; retried' },
  CR_ERR_MAIN_BAD_JSON: { recoverable: true, action: 'the main system answered something that is not JSON; check the base_url points at the main system' },
  CR_ERR_MAIN_BAD_RESPONSE: { recoverable: true, action: 'the main system answered JSON of an unexpected shape; check it implements the integration guide' },
  CR_ERR_MAIN_DB_ACCESS: { recoverable: false, action: "the main system's database refused the login or a right, or lacks the guide's tables: check the password (main_system.database_password_file) and the GRANTs in the README" },
  CR_ERR_MAIN_DB: { recoverable: true, action: "the main system's database answered an error; retried" },
  CR_ERR_MAIN_ABORTED: { recoverable: true, action: 'a request to the main system was stopped (shutdown); nothing to do' },

  // Mirror (src/mirror): syncing the links from the main system. MirrorError carries these.
  CR_ERR_MIRROR_AUTH: { recoverable: false, action: 'check main_system.api_key_file / $CLICKRELAY_MAIN_SYSTEM_API_KEY: the main system rejected the API key' },
  CR_ERR_MIRROR_HTTP_STATUS: { recoverable: true, action: 'the main system answered an error; the old mirror keeps serving, the next sync retries' },
  CR_ERR_MIRROR_TIMEOUT: { recoverable: true, action: 'the main system was too slow (main_system.timeout_ms); the next sync retries' },
  CR_ERR_MIRROR_NETWORK: { recoverable: true, action: 'the main system could not be reached; the next sync retries' },
  CR_ERR_MIRROR_BAD_JSON: { recoverable: true, action: 'the main system answered something that is not JSON; check the base_url points at the main system' },
  CR_ERR_MIRROR_BAD_RESPONSE: { recoverable: true, action: 'the main system answered JSON of an unexpected shape; check it implements GET /api/link-tracking/links' },
  CR_ERR_MIRROR_FILE: { recoverable: false, action: 'fix sync.file: it must be a JSON array or NDJSON of link objects' },
  CR_ERR_MIRROR_NO_SOURCE: { recoverable: false, action: 'Nothing to sync links from: set main_system.base_url (the main system\'s API), main_system.database_url (its database) or sync.file (a local links file).', config: true },
  CR_ERR_MIRROR_STORE: { recoverable: true, action: 'mirror.db could not be written or swapped; check storage.data_dir is writable and has space' },
  CR_ERR_MIRROR_PERMISSION: { recoverable: false, action: 'mirror.db (or its -wal/-shm) exists but the service user may not open it (EACCES/EPERM): a command run as another user (root) left it behind. It is not damaged and is NOT moved aside; the service keeps the mirror it has. chown it back to the service user (chown -R <service user>: <data_dir>); the next reload picks it up.' },
  CR_ERR_MIRROR_INSTALL_CHANGED: { recoverable: false, action: 'A module the sync thread loads on demand is missing: the installation was changed under the running service (npm ci, npm prune or git pull while serving). The data folder is fine. Finish the upgrade (npm ci && npm run build), then restart the service (systemctl restart clickrelay); the old mirror keeps serving until then.' },
  CR_ERR_MIRROR_CORRUPT: { recoverable: true, action: 'mirror.db is unreadable; it is moved aside and rebuilt by the next sync' },
  CR_ERR_MIRROR_BUSY: { recoverable: true, action: 'a sync is already running in this process' },
  CR_ERR_MIRROR_DB_ACCESS: { recoverable: false, action: "the main system's database refused the login or a right, or lacks the guide's tables: check the password (main_system.database_password_file) and the GRANTs in the README" },
  CR_ERR_MIRROR_DB: { recoverable: true, action: "the main system's database answered an error; the old mirror keeps serving, the next sync retries" },
  CR_ERR_MIRROR_ABORTED: { recoverable: true, action: 'the sync was stopped (shutdown); the old mirror stays' },
  CR_ERR_MIRROR_REFUSED: { recoverable: false, action: 'the listing would reject, remove or deactivate more than sync.max_change_ratio of the mirror, so it was refused and the old mirror keeps serving; check the main system (the error names the first ids per reason), then accept it on purpose with `clickrelay sync --force`' },
  CR_ERR_MIRROR_DEADLINE: { recoverable: true, action: 'the sync took longer than sync.deadline_seconds and was abandoned; the old mirror stays. Check the main system\'s speed, or raise the deadline' },
  CR_ERR_MIRROR_PAGE_CAP: { recoverable: true, action: 'the listing went on past sync.max_pages pages (a main system handing out cursors for ever?); the old mirror stays. Check the main system, or raise sync.max_pages' },

  // Privacy, audit and local analytics (src/audit, src/privacy, the admin listener).
  CR_ERR_POLICY_WEAKENED: { recoverable: true, action: 'A privacy setting is weaker than its default (start-up warning, status, privacy notice; audit --strict fails). Restore the default unless a documented need requires it.' },
  CR_ERR_AUDIT_VIOLATION: { recoverable: false, action: 'The outbox breaks a privacy rule or its hash chain: keep a copy of outbox.db and outbox.head and investigate the named click ids.' },
  CR_ERR_AUDIT_HTML_IN_DATA_DIR: { recoverable: false, action: 'audit --html names a path inside storage.data_dir (symlinks and .. resolved), where it could overwrite the outbox: write the report to another folder. --force does not change this.', config: true },
  CR_ERR_AUDIT_HTML_NOT_REPORT: { recoverable: false, action: 'audit --html names an existing file that is not an earlier clickrelay audit report (they start with <!-- clickrelay audit report -->), or not a regular file: name another file, or add --force to replace it.', config: true },
  CR_ERR_ANALYTICS_READ: { recoverable: true, action: 'Local analytics (admin /api/link-tracking/analytics) could not read mirror.db or outbox.db and answered 500; redirects are unaffected. The log line names the file part and the cause: check the file, its permissions and the disk.' },
} as const satisfies Record<`CR_ERR_${string}`, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;
/** The codes of one area, by their prefix: an area's error class accepts only these. */
export type AreaErrorCode<Area extends string> = Extract<ErrorCode, `CR_ERR_${Area}_${string}`>;

/** The same table for lookups by a code read from elsewhere (a log line, a test, a file). */
export const ERROR_CATALOGUE: Readonly<Record<string, ErrorInfo>> = Object.freeze(ERRORS);

/** docs/errors.md, as the test expects it (regenerate: npm run docs:errors). */
export function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, i]) => `| \`${code}\` | ${i.recoverable ? 'yes' : 'no'} | ${i.config ? 'yes (exit 2)' : 'no'} | ${i.action.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Every code clickrelay logs or prints, whether the service recovers by itself, whether the configuration is the cause (the command line then exits 2 instead of 1), and what the operator should do.',
    'Generated from `src/error-catalogue.ts` by `npm run docs:errors`; `test/unit/errors.test.ts` fails when they differ.',
    '',
    '| code | recovers by itself | configuration | what to do |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
