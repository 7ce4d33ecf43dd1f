/**
 * Every configuration key, declared once: its type, default (with units in the name or
 * the note) and what is allowed. The loader, the env overrides, the shipped
 * config/clickrelay.toml and the docs all follow this table.
 */
import { DURABILITIES } from '../types.js';

export type KeySpec =
  | { kind: 'string'; default: string; allowed?: readonly string[]; note: string; secret?: boolean; orCount?: boolean }
  | { kind: 'int'; default: number; min: number; max: number; note: string; oneOf?: readonly number[] }
  | { kind: 'bool'; default: boolean; note: string }
  | { kind: 'number'; default: number; min: number; max: number; note: string }
  | { kind: 'string[]'; default: readonly string[]; note: string };

// The helpers keep each key's literal kind (and allowed values) in its type, so `Config`
// below knows `outbox.durability` is 'durable' | 'fast', not just a string.
function str(d: string, note: string): { kind: 'string'; default: string; note: string };
function str<const A extends readonly string[]>(d: A[number], note: string, allowed: A): { kind: 'string'; default: A[number]; note: string; allowed: A };
function str(d: string, note: string, allowed?: readonly string[]): KeySpec {
  return { kind: 'string', default: d, note, ...(allowed ? { allowed } : {}) };
}
const int = (d: number, min: number, max: number, note: string, oneOf?: readonly number[]) =>
  ({ kind: 'int', default: d, min, max, note, ...(oneOf ? { oneOf } : {}) }) as { kind: 'int'; default: number; min: number; max: number; note: string; oneOf?: readonly number[] };
const num = (d: number, min: number, max: number, note: string) => ({ kind: 'number', default: d, min, max, note }) as { kind: 'number'; default: number; min: number; max: number; note: string };
const bool = (d: boolean, note: string) => ({ kind: 'bool', default: d, note }) as const;
const list = (d: readonly string[], note: string) => ({ kind: 'string[]', default: d, note }) as { kind: 'string[]'; default: readonly string[]; note: string };

export const SCHEMA = {
  server: {
    host: str('127.0.0.1', 'public listener address'),
    port: int(8080, 0, 65535, 'public listener port (0 = any free port)'),
    redirect_status: int(302, 301, 308, 'redirect status', [301, 302, 303, 307, 308]),
    trust_proxy: list([], 'CIDRs whose X-Forwarded-For / X-Real-IP are believed'),
    referrer_policy: str('no-referrer', 'Referrer-Policy header sent with every redirect'),
    rate_limit_per_second: int(0, 0, 1_000_000, 'token refill per client prefix per second on /track; 0 = off'),
    rate_limit_burst: int(40, 1, 1_000_000, 'token bucket size per client prefix'),
    allow_js_fallback: bool(false, 'allow the slow pure-JS uWebSockets.js imitation when no native build loads'),
    tls_cert_file: str('', 'PEM certificate chain; with tls_key_file, serve HTTPS'),
    tls_key_file: str('', 'PEM private key'),
    // "auto" or a whole number; a TOML integer is taken as its text (load.ts), Settings.threads is the number.
    threads: { kind: 'string', default: 'auto', orCount: true, note: 'serving threads: "auto" = the cores available to the process, or a whole number ≥ 1; each has its own outbox shard and writer; 1 = one thread' } as { kind: 'string'; default: string; note: string; orCount: true },
  },
  admin: {
    host: str('127.0.0.1', 'admin listener address (/healthz, /readyz, /metrics, analytics)'),
    port: int(9464, 0, 65535, 'admin listener port (0 = any free port)'),
    token_file: str('', 'file with a bearer token the admin listener requires; required when host is not loopback; unreadable or empty stops the start'),
  },
  storage: {
    data_dir: str('./data', 'holds mirror.db, outbox.db, session-keys'),
  },
  main_system: {
    base_url: str('', 'e.g. https://jobs.example.com; empty = standalone (sync from file, no shipping)'),
    api_key_file: str('', 'file holding the Bearer key; $CLICKRELAY_MAIN_SYSTEM_API_KEY also works'),
    timeout_ms: int(10_000, 100, 600_000, 'per-request timeout towards the main system'),
    database_url: str('', 'the guide\'s direct database integration: postgres://user@host:port/db (libpq URL, sslmode honoured); instead of base_url'),
    database_password_file: str('', 'file holding the database password (systemd credential main_system_database_password); $PGPASSWORD also works'),
  },
  sync: {
    schedule: str('*/5 * * * *', 'cron expression; 5 fields, or 6 with seconds first'),
    miss_ttl_seconds: int(30, 0, 86_400, 'how long an id unknown to the main system is remembered as unknown'),
    miss_lookup: bool(true, 'ask the main system about ids missing from the mirror'),
    miss_timeout_ms: int(1_500, 50, 60_000, 'timeout of one miss lookup'),
    page_size: int(5_000, 1, 10_000, 'links per page of a sync: the HTTP listing, or a keyset page of link_tracking'),
    file: str('', 'local links file (JSON array or NDJSON); used when main_system.base_url is empty'),
    max_change_ratio: num(0.1, 0, 1, 'a listing that would reject, remove or deactivate more than this share of the current mirror is refused unless `clickrelay sync --force`; 1 = never refuse'),
    max_pages: int(0, 0, 100_000_000, 'listing pages one sync may read; 0 = enough for 10,000,000 links at page_size'),
    deadline_seconds: int(900, 1, 86_400, 'longest one sync may take, fetching included'),
    store_descriptions: bool(false, 'keep the free-text description and created_by of each link in mirror.db (the redirect never needs them)'),
    miss_max_in_flight: int(8, 1, 1_000, 'miss lookups outstanding at once; more are shed'),
    miss_rate_per_second: int(20, 1, 100_000, 'miss lookups sent to the main system per second, all clients together (token bucket)'),
    miss_burst: int(40, 1, 100_000, 'token bucket size of miss_rate_per_second'),
    miss_client_rate_per_second: int(2, 1, 100_000, 'miss lookups per second per client prefix (privacy.ipv4_prefix / ipv6_prefix)'),
    miss_client_burst: int(10, 1, 100_000, 'token bucket size of miss_client_rate_per_second'),
  },
  privacy: {
    ipv4_prefix: int(24, 0, 32, 'bits of an IPv4 client address kept'),
    ipv6_prefix: int(48, 0, 128, 'bits of an IPv6 client address kept'),
    honor_dnt: bool(true, 'DNT: 1 makes the click anonymous'),
    honor_gpc: bool(true, 'Sec-GPC: 1 makes the click anonymous'),
    dnt_mode: str('count', 'count: keep the click without personal fields; drop: record nothing', ['count', 'drop']),
    referrer: str('origin', 'origin (scheme+host), full, or none', ['origin', 'full', 'none']),
    user_agent: str('reduced', 'reduced (browser family/major + OS family), full, or none', ['reduced', 'full', 'none']),
    retention_days: int(30, 1, 3650, 'records older than this are purged once shipped (standalone: all of them)'),
    country: str('off', 'off, or country: ISO 3166 country code from the full address before truncation (privacy.country_db, or the bundled database: CC BY 4.0 by the NRO, attribution required), never finer', ['off', 'country']),
    country_db: str('', 'path of an MMDB country database (DB-IP IP to Country Lite, GeoLite2 Country…); empty = the one installed with the package. Checked at start; a file renamed over it is used without a restart'),
    country_db_max_age_days: int(60, 1, 3650, 'older than this by its build date: a warning (CR_ERR_COUNTRY_DB_STALE) in the log, status and the status page'),
    utm_term_content: str('keep', 'utm_term / utm_content (free text): keep as sent, drop, or hash (keyed by the day\'s session key)', ['keep', 'drop', 'hash']),
    operator_name: str('', 'who runs this service (a person or organisation), shown on the opt-out page and in the privacy notice; empty: the page says it was not given'),
    operator_contact: str('', 'whom visitors ask about their click data (an e-mail address or a web address), shown on the opt-out page and in the privacy notice'),
    scanner_ranges: list([], 'extra e-mail security gateway egress ranges, each "name=CIDR" (e.g. "mimecast=205.139.110.0/24")'),
    scanner_referrer_hosts: list([], 'extra gateway rewriting/sandbox hosts (and their subdomains), each "name=host"'),
    scanner_user_agents: list([], 'extra gateway user-agent tokens (case-insensitive substrings), each "name=token"'),
  },
  outbox: {
    durability: str('durable', 'durable: answer after the click is fsynced; fast: answer at once', DURABILITIES),
    commit_interval_ms: int(5, 0, 1_000, 'longest a queued click waits for its commit'),
    on_write_error: str('fail-open', 'fail-open: redirect anyway and count the lost click; fail-closed: answer 503', ['fail-open', 'fail-closed']),
  },
  shipper: {
    mode: str('batch', 'batch: record-clicks; single: one record-click per click', ['batch', 'single']),
    batch_size: int(500, 1, 10_000, 'clicks per batch'),
    linger_ms: int(200, 0, 60_000, 'wait this long for a batch to fill before sending a partial one'),
    concurrency: int(4, 1, 64, 'requests in flight (single mode)'),
    max_backoff_ms: int(60_000, 100, 3_600_000, 'cap of the exponential retry backoff'),
    sink: str('main_system', 'main_system: the main system\'s API or database (by which URL is set; neither = standalone); nats: NATS JetStream ([nats]). Links come from the main system or sync.file either way', ['main_system', 'nats']),
  },
  nats: {
    url: str('', 'nats://host:4222 or tls://host:4222; several comma-separated; no credentials in it. Required with shipper.sink = "nats"'),
    subject: str('clickrelay.clicks', 'subject every click is published on (one message per click, Nats-Msg-Id = click_id)'),
    stream: str('CLICKRELAY', 'the JetStream stream that captures the subject'),
    credentials_file: str('', 'a .creds file, a token or user:password (systemd credential nats_credentials); never logged'),
    create_stream: bool(false, 'create the stream (file storage, the subject, a 24 h duplicate window) when it is missing; needs the right to'),
  },
  log: {
    level: str('info', 'pino level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type Schema = typeof SCHEMA;
type ValueOf<S> = S extends { kind: 'int' | 'number' }
  ? number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'string[]' }
      ? readonly string[]
      : S extends { allowed: readonly (infer A)[] }
        ? A
        : string;

/** The resolved, validated, frozen configuration. */
export type Config = {
  readonly [Section in keyof Schema]: { readonly [Key in keyof Schema[Section]]: ValueOf<Schema[Section][Key]> };
} & {
  /** Absolute path of the config file the values came from ("" for built-in defaults). */
  readonly source: string;
};
