/**
 * Load the configuration: built-in defaults ← TOML file ← CLICKRELAY_<SECTION>_<KEY> env.
 * Anything unknown or out of range stops start-up with one line naming the key, the
 * value and what is allowed (ConfigError), so a typo never silently runs on defaults.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { parseServers } from '../lib/nats-servers.js';
import { parseScannerRange, splitScannerEntry } from '../lib/scanner-entries.js';
import { parseTrustedProxies } from '../lib/trusted-proxies.js';
import { redactDatabaseUrl } from '../lib/redact.js';
import { SCHEMA, type Config, type KeySpec } from './schema.js';

/** Keys whose values are paths: made absolute against the config file's folder. */
const PATH_KEYS: ReadonlySet<string> = new Set([
  'storage.data_dir',
  'sync.file',
  'main_system.api_key_file',
  'main_system.database_password_file',
  'admin.token_file',
  'server.tls_cert_file',
  'server.tls_key_file',
  'nats.credentials_file',
  'privacy.country_db',
]);

export interface LoadOptions {
  /** Config file; "" or undefined means: built-in defaults only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Folder relative paths are resolved against when there is no file. */
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ? resolve(opts.cwd ?? process.cwd(), opts.file) : '';
  const base = file ? dirname(file) : (opts.cwd ?? process.cwd());
  const fromFile = file ? readToml(file) : {};

  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(SCHEMA)) {
    const given = fromFile[section];
    if (given !== undefined && !isTable(given)) fail(section, given, 'a [section] table');
    const table = (given ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(table)) {
      if (!(key in keys)) fail(`${section}.${key}`, table[key], `one of the known keys: ${Object.keys(keys).join(', ')}`);
    }
    const resolved: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(keys) as [string, KeySpec][]) {
      const name = `${section}.${key}`;
      const envName = `CLICKRELAY_${section}_${key}`.toUpperCase();
      let value: unknown = spec.default;
      if (key in table) value = check(name, table[key], spec);
      const envValue = env[envName];
      if (envValue !== undefined) value = check(`${name} (from ${envName})`, fromEnv(spec, envValue), spec);
      if (PATH_KEYS.has(name) && typeof value === 'string' && value !== '' && !isAbsolute(value)) value = resolve(base, value);
      resolved[key] = Object.freeze(value);
    }
    out[section] = Object.freeze(resolved);
  }
  for (const section of Object.keys(fromFile)) {
    if (!(section in SCHEMA)) fail(section, fromFile[section], `one of the known sections: ${Object.keys(SCHEMA).join(', ')}`);
  }
  checkEnvNames(env);
  const config = Object.freeze({ ...out, source: file }) as unknown as Config;
  crossCheck(config);
  return config;
}

/**
 * `CLICKRELAY_*` variables that are not configuration keys but are read elsewhere. Names under
 * the prefixes are the test and benchmark harnesses' own (they pass their environment on to
 * the processes they start).
 */
const OTHER_ENV_NAMES: ReadonlySet<string> = new Set(['CLICKRELAY_CONFIG', 'CLICKRELAY_MAIN_SYSTEM_API_KEY']);
const OTHER_ENV_PREFIXES = ['CLICKRELAY_TEST_', 'CLICKRELAY_BENCH_', 'CLICKRELAY_FUZZ_', 'CLICKRELAY_DEMO_'];

/** Every environment name the configuration answers to: CLICKRELAY_<SECTION>_<KEY>. */
export function configEnvNames(): string[] {
  return Object.entries(SCHEMA).flatMap(([section, keys]) => Object.keys(keys).map((key) => `CLICKRELAY_${section}_${key}`.toUpperCase()));
}

/**
 * A misspelled file key stops start-up; a misspelled variable must too, or
 * `CLICKRELAY_PRIVACY_IPV4_PREFX=16` runs on the default without a word. Named, with the
 * closest real name.
 */
function checkEnvNames(env: NodeJS.ProcessEnv): void {
  const known = configEnvNames();
  for (const name of Object.keys(env)) {
    if (!name.startsWith('CLICKRELAY_') || OTHER_ENV_NAMES.has(name) || known.includes(name)) continue;
    if (OTHER_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    const closest = [...known, ...OTHER_ENV_NAMES].map((k) => [k, editDistance(name, k)] as const).sort((a, b) => a[1] - b[1])[0]!;
    throw new ConfigError(`environment variable ${name} is not a configuration key${closest[1] <= Math.max(3, name.length / 4) ? ` (did you mean ${closest[0]}?)` : ''}: unset it, or use one of CLICKRELAY_<SECTION>_<KEY> as listed in config/clickrelay.toml`);
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Where the config comes from when --config is not given: $CLICKRELAY_CONFIG, else ./config/clickrelay.toml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.CLICKRELAY_CONFIG || resolve(cwd, 'config/clickrelay.toml');
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function check(name: string, value: unknown, spec: KeySpec): unknown {
  switch (spec.kind) {
    case 'string':
      // A count that may also be "auto" (server.threads): a TOML integer is taken as its text.
      if (spec.orCount && (typeof value === 'number' || typeof value === 'bigint')) value = String(value);
      if (spec.orCount && (typeof value !== 'string' || !(value === 'auto' || /^[1-9][0-9]{0,3}$/.test(value)))) fail(name, value, '"auto" or a whole number from 1 to 9999');
      if (typeof value !== 'string') fail(name, value, 'a string');
      if (spec.allowed && !spec.allowed.includes(value)) fail(name, value, `one of ${spec.allowed.map((a) => `"${a}"`).join(', ')}`);
      return value;
    case 'int':
      if (typeof value === 'bigint') value = Number(value);
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(name, value, 'a whole number');
      if (spec.oneOf && !spec.oneOf.includes(value)) fail(name, value, `one of ${spec.oneOf.join(', ')}`);
      if (value < spec.min || value > spec.max) fail(name, value, `a whole number from ${spec.min} to ${spec.max}`);
      return value;
    case 'number':
      if (typeof value === 'bigint') value = Number(value);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) fail(name, value, `a number from ${spec.min} to ${spec.max}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(name, value, 'true or false');
      return value;
    case 'string[]':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(name, value, 'a list of strings');
      return [...value];
  }
}

/** Env values are text: read them as the key's type so `check` applies the same rules. */
function fromEnv(spec: KeySpec, raw: string): unknown {
  switch (spec.kind) {
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'bool':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string[]':
      return raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
    default:
      return raw;
  }
}

/** Rules that involve more than one key. */
function crossCheck(c: Config): void {
  if (c.main_system.base_url !== '') {
    let url: URL | undefined;
    try {
      url = new URL(c.main_system.base_url);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('main_system.base_url', c.main_system.base_url, 'an http(s) URL or ""');
  }
  checkDatabaseUrl(c.main_system);
  checkNats(c);
  if ((c.server.tls_cert_file === '') !== (c.server.tls_key_file === '')) {
    fail('server.tls_key_file', c.server.tls_key_file, 'set together with server.tls_cert_file (both or neither)');
  }
  // Checked with the parser the service builds its matcher with (settings.ts), one entry at a
  // time, so an entry it would refuse is a config error naming the key, not a start-up crash.
  for (const cidr of c.server.trust_proxy) {
    try {
      parseTrustedProxies([cidr]);
    } catch {
      fail('server.trust_proxy', cidr, 'CIDRs such as "10.0.0.0/8" or single addresses');
    }
  }
  // Each entry "name=value", checked with the parsers the privacy stage compiles them with.
  const scannerLists = { scanner_ranges: 'name=CIDR entries such as "mimecast=205.139.110.0/24"', scanner_referrer_hosts: 'name=host entries such as "mygateway=scan.example.net"', scanner_user_agents: 'name=token entries such as "mygateway=scanbot"' } as const;
  for (const [key, allowed] of Object.entries(scannerLists) as [keyof typeof scannerLists, string][]) {
    for (const entry of c.privacy[key]) {
      try {
        if (key === 'scanner_ranges') parseScannerRange(entry);
        else splitScannerEntry(key, entry);
      } catch {
        fail(`privacy.${key}`, entry, `${allowed} (name: a-z, 0-9, - or _)`);
      }
    }
  }
  if (!cron.validate(c.sync.schedule)) fail('sync.schedule', c.sync.schedule, 'a cron expression of 5 fields, or 6 with seconds first');
  if (!isLoopback(c.admin.host) && c.admin.token_file === '') {
    fail('admin.token_file', '', `a token file, because admin.host "${c.admin.host}" is not loopback`);
  }
}

/**
 * The two main-system adapters exclude each other: with both set, which one receives the
 * clicks would be a guess. The URL is echoed only with its password removed.
 */
function checkDatabaseUrl(ms: Config['main_system']): void {
  if (ms.database_url === '') return;
  const shown = redactDatabaseUrl(ms.database_url);
  if (ms.base_url !== '') {
    throw new ConfigError(`config keys main_system.base_url and main_system.database_url are both set: set one of them (HTTP API or the guide's direct database integration), not both`);
  }
  let url: URL | undefined;
  try {
    url = new URL(ms.database_url);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || url.hostname === '' || url.pathname.length < 2) {
    throw new ConfigError(`config key main_system.database_url = ${JSON.stringify(shown)} is not allowed: expected a libpq URL postgres://user@host:port/database`);
  }
}

/**
 * The NATS sink's keys, checked with the parser the sink reads nats.url with. The URL is never
 * echoed (it may carry a password by mistake): the parser's messages name the part at fault.
 */
function checkNats(c: Config): void {
  if (c.shipper.sink === 'nats' && c.nats.url.trim() === '') fail('nats.url', '', 'one or several comma-separated nats:// or tls:// servers, because shipper.sink = "nats"');
  if (c.nats.url.trim() !== '') {
    try {
      parseServers(c.nats.url);
    } catch (err) {
      throw new ConfigError(`config key ${(err as Error).message}`);
    }
  }
  // A subject is dot-separated tokens; a publish subject has no wildcard and no blank.
  if (!/^[^\s.*>]+(\.[^\s.*>]+)*$/.test(c.nats.subject)) fail('nats.subject', c.nats.subject, 'a subject such as "clickrelay.clicks" (dot-separated, no spaces, no * or >)');
  if (!/^[^\s.*>/\\]+$/.test(c.nats.stream)) fail('nats.stream', c.nats.stream, 'a stream name such as "CLICKRELAY" (no spaces, ".", "*", ">", "/" or "\\")');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(name: string, value: unknown, allowed: string): never {
  throw new ConfigError(`config key ${name} = ${show(value)} is not allowed: expected ${allowed}`);
}

function show(v: unknown): string {
  // TOML's own spelling: JSON has none for these and would print null (#26).
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  try {
    return typeof v === 'bigint' ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
