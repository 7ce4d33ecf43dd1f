/**
 * The main system's two adapters as the registry lists them (src/adapters/registry.ts,
 * whose kinds.ts gives the shapes): how each opens the mirror's and the shipper's ports,
 * is probed by `status`, and is named by `status`, `ship`, the status page and the privacy
 * notice. The words live here, beside the adapter they describe, so no caller branches on
 * which adapter it is.
 */
import type { Config } from '../config/schema.js';
import type { Settings } from '../config/settings.js';
import { redactDatabaseUrl } from '../lib/redact.js';
import { httpTransport, postgresTransport } from '../lib/transport.js';
import { openHttpClickSink, openPostgresClickSink, type ClickSinkSettings, type SinkOptions } from './click-sink.js';
import { readApiKey } from './http/api-key.js';
import { httpLinkLookupPort, postgresLinkLookupPort } from './link-lookup.js';
import { httpLinkSourcePort, postgresLinkSourcePort, type LinkSourceSettings, type PortCredentials } from './link-source.js';
import { probeDatabase, probeHttp, type MainSystemProbe } from './probe.js';

interface LinkKeys {
  readonly main_system: LinkSourceSettings;
  readonly sync: { readonly page_size: number; readonly miss_timeout_ms: number };
}

const envOnly = (env: NodeJS.ProcessEnv | undefined): PortCredentials => (env ? { env } : {});

export const HTTP_LINKS = {
  mainSystem: true,
  // Read once by `serve`: a missing key stops it at start; the sync and the miss lookup share it.
  credentials: (s: LinkKeys, env?: NodeJS.ProcessEnv): PortCredentials => ({ apiKey: readApiKey(s.main_system, env), ...envOnly(env) }),
  source: (s: LinkKeys, c?: PortCredentials) => httpLinkSourcePort(s.main_system, s.sync.page_size, c),
  lookup: (s: LinkKeys, c?: PortCredentials) => httpLinkLookupPort(s.main_system, s.sync.miss_timeout_ms, c),
  transport: (s: Config) => httpTransport('main_system.base_url', s.main_system.base_url),
};

export const POSTGRES_LINKS = {
  mainSystem: true,
  // The password is read where each pool opens (a sync, the lookup's pool).
  credentials: (_s: LinkKeys, env?: NodeJS.ProcessEnv): PortCredentials => envOnly(env),
  source: (s: LinkKeys, c?: PortCredentials) => postgresLinkSourcePort(s.main_system, s.sync.page_size, c),
  lookup: (s: LinkKeys, c?: PortCredentials) => postgresLinkLookupPort(s.main_system, s.sync.miss_timeout_ms, c),
  transport: (s: Config) => postgresTransport('main_system.database_url', s.main_system.database_url),
};

export const HTTP_SINK = {
  mainSystem: true,
  delivers: true,
  open: (s: { main_system: ClickSinkSettings }, o: SinkOptions, env?: NodeJS.ProcessEnv) => openHttpClickSink(s.main_system, o, env),
  probe: (s: Settings): Promise<MainSystemProbe> => probeHttp(s.main_system),
  describe: {
    target: (s: Settings) => s.mainSystemOrigin,
    shipping: (v: { mode: unknown; baseUrl: unknown; lastSuccess: string }) => `${String(v.mode)} mode to ${String(v.baseUrl)}, last success ${v.lastSuccess}`,
    reach: (): string[] => [],
    paused: '; the main system rejected the API key',
    recipients: (c: Config, dashboardHost: string | null) => ({
      main_system_host: dashboardHost,
      text: `The main system at ${dashboardHost} (${new URL(c.main_system.base_url).protocol.replace(':', '')}), authenticated with a bearer key: each click's fields listed above, without the delivery bookkeeping. Nothing is sent to anyone else.`,
    }),
    noticeSettings: (c: Config) => ({ 'main_system.base_url': new URL(c.main_system.base_url).origin }), // no userinfo
  },
  transport: (s: Config) => httpTransport('main_system.base_url', s.main_system.base_url),
  refused: {
    code: 'CR_ERR_SHIP_UNAUTHORIZED' as const,
    message: (e: { status?: number }) => `the main system rejected the API key (HTTP ${e.status}): shipping paused, clicks stay pending until the key is replaced`,
  },
};

/** What a paused database sink asks of the operator, by the SQLSTATE that paused it (sqlstate.ts). */
function dbRefusal(detail: string): string {
  if (/^28/.test(detail)) return "the main system's database refused the login: check main_system.database_url's user and the password file";
  if (/^42501/.test(detail)) return "the main system's database refused a right clickrelay needs: check the GRANTs in the README (SELECT on link_tracking, INSERT and SELECT (click_id) on link_clicks)";
  return "the main system's database has no table or column as the guide's, or refuses every row for a reason of the table's: compare link_tracking and link_clicks with the README";
}

export const POSTGRES_SINK = {
  mainSystem: true,
  delivers: true,
  open: (s: { main_system: ClickSinkSettings }, o: SinkOptions, env?: NodeJS.ProcessEnv) => openPostgresClickSink(s.main_system, o, env),
  probe: (s: Settings, env?: NodeJS.ProcessEnv): Promise<MainSystemProbe> => probeDatabase(s.main_system, env),
  describe: {
    target: (s: Settings) => redactDatabaseUrl(s.main_system.database_url),
    shipping: (v: { where: string | null; lastSuccess: string }) => `batch inserts to ${v.where}, last success ${v.lastSuccess}`,
    reach: (p: MainSystemProbe) => [
      `  database   ${p.reachable ? `reachable; SELECT on link_tracking ${p.can_select_links ? 'yes' : 'NO'}, INSERT on link_clicks ${p.can_insert_clicks ? 'yes' : 'NO'}, SELECT (click_id) on link_clicks ${p.can_read_click_id ? 'yes' : 'NO (the INSERT\'s ON CONFLICT reads it: GRANT SELECT (click_id) ON link_clicks)'}` : 'NOT reachable'}${p.error ? ` (${p.error})` : ''}`,
    ],
    paused: "; the main system's database refused the login or the INSERT right or another right the adapter needs, or its link_clicks is not the guide's (the line below says which; README, GRANTs)",
    recipients: (c: Config) => ({
      main_system_host: new URL(redactDatabaseUrl(c.main_system.database_url)).hostname,
      text: `The main system's database at ${redactDatabaseUrl(c.main_system.database_url)} (its link_clicks table, the integration guide's direct database integration): each click's fields listed above, with "anonymous": true in metadata for a DNT/GPC click, without the delivery bookkeeping. Nothing is sent to anyone else.`,
    }),
    noticeSettings: (c: Config) => ({ 'main_system.base_url': '', 'main_system.database_url': redactDatabaseUrl(c.main_system.database_url) }),
  },
  transport: (s: Config) => postgresTransport('main_system.database_url', s.main_system.database_url),
  refused: {
    code: 'CR_ERR_SHIP_DB_ACCESS' as const,
    message: (e: { detail?: string }) => `${dbRefusal(e.detail ?? '')} (${e.detail}): shipping paused, clicks stay pending`,
  },
};
