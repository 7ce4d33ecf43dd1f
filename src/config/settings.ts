/**
 * The settings every stage is built from: the loaded configuration plus the facts derived
 * from it, computed here once so "standalone", the link source and click sink or "durable" cannot
 * mean two things in two places. Resolved once per process (serve, or one CLI command),
 * deep-frozen, and handed to the factories in src/service/stages.ts, the only place that
 * maps keys to a stage's options.
 */
import { availableParallelism } from 'node:os';
import { redactDatabaseUrl } from '../lib/redact.js';
import { parseTrustedProxies, type TrustedProxies } from '../lib/trusted-proxies.js';
import type { Durability } from '../types.js';
import type { Config } from './schema.js';

export type { Durability } from '../types.js';

/**
 * Where the mirror reads its links: the main system's HTTP API (main_system.base_url), its
 * database (main_system.database_url), or standalone the links file (sync.file). How each
 * kind is opened, probed and described is src/adapters/registry.ts's business.
 */
export type LinkSourceKind = 'http' | 'postgres' | 'file';
/**
 * Where the shipper delivers clicks: the main system's HTTP API or database, NATS JetStream
 * (shipper.sink = "nats"), or nowhere (standalone).
 */
export type ClickSinkKind = 'http' | 'postgres' | 'nats' | 'none';

export interface Kinds {
  readonly linkSource: LinkSourceKind;
  readonly clickSink: ClickSinkKind;
  /** No sink: neither main_system.base_url nor database_url and shipper.sink is the main system: ship nothing, keep clicks until retention. */
  readonly standalone: boolean;
}

/**
 * The kinds a configuration selects, from its keys alone (the loader refuses base_url and
 * database_url together). Also asked by `status` about a running serve's settings. The links
 * come from the main system or sync.file whatever `sink` (shipper.sink) says.
 */
export function resolveKinds(ms: { readonly base_url: string; readonly database_url?: string }, sink: string = 'main_system'): Kinds {
  const linkSource: LinkSourceKind = ms.base_url !== '' ? 'http' : (ms.database_url ?? '') !== '' ? 'postgres' : 'file';
  if (sink === 'nats') return { linkSource, clickSink: 'nats', standalone: false };
  if (linkSource === 'file') return { linkSource, clickSink: 'none', standalone: true };
  return { linkSource, clickSink: linkSource, standalone: false };
}

export type Settings = Config & Kinds & {
  readonly durability: Durability;
  /** outbox.durability = "durable": no redirect before the click is fsynced. */
  readonly durable: boolean;
  /** outbox.on_write_error = "fail-closed": 503 (and /readyz not ready) while the outbox cannot store clicks. */
  readonly failClosed: boolean;
  /** Origin of main_system.base_url ("" without one): what logs, serve.json and the status page may show. */
  readonly mainSystemOrigin: string;
  /** server.trust_proxy parsed (load.ts validated every entry with the same parser, so this cannot throw). */
  readonly trustedProxies: TrustedProxies;
  /** server.threads resolved: "auto" is the cores available to this process (os.availableParallelism). */
  readonly threads: number;
};

export function resolveSettings(config: Config): Settings {
  // Already resolved (a Settings is a Config): resolving twice must give the same object.
  if (isSettings(config)) return config;
  return deepFreeze({
    ...config,
    ...resolveKinds(config.main_system, config.shipper.sink),
    durability: config.outbox.durability,
    durable: config.outbox.durability === 'durable',
    failClosed: config.outbox.on_write_error === 'fail-closed',
    mainSystemOrigin: config.main_system.base_url === '' ? '' : new URL(config.main_system.base_url).origin,
    trustedProxies: parseTrustedProxies(config.server.trust_proxy),
    threads: config.server.threads === 'auto' ? availableParallelism() : Number(config.server.threads),
  });
}

/**
 * Settings as a worker thread receives them: a structured clone of the main thread's (serve
 * hands its Settings on), which keeps data but not classes. The parsed trust_proxy ranges
 * are ipaddr.js objects, so a clone taken for resolved Settings would answer every forwarded
 * request with a TypeError; they are parsed again from server.trust_proxy, as is the rest.
 */
export function resolveClonedSettings(config: Config): Settings {
  const { trustedProxies: _lostTheirClass, ...plain } = config as Config & Partial<Pick<Settings, 'trustedProxies'>>;
  return resolveSettings(plain);
}

function isSettings(c: Config): c is Settings {
  return 'standalone' in c && 'trustedProxies' in c;
}

/**
 * Every resolved key for the start-up log line, secrets out: the database password is
 * removed from database_url, and any user info from nats.url (the loader refuses it there,
 * but a dump must not depend on that). The API key, the passwords and the NATS credential
 * live in files, named by path only.
 */
export function loggableSettings(s: Settings): Record<string, unknown> {
  const { trustedProxies: _parsed, ...rest } = s;
  return {
    ...rest,
    main_system: { ...s.main_system, database_url: redactDatabaseUrl(s.main_system.database_url) },
    nats: { ...s.nats, url: s.nats.url.replace(/\/\/[^@/,]*@/g, '//[redacted]@') },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
