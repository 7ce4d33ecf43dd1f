/**
 * The NATS JetStream sink as the registry lists it (src/adapters/registry.ts, shapes in
 * adapters/kinds.ts): opened from the `[nats]` keys, probed for `status` (the stream and the
 * duplicate window it has, read from the server), named by `status`, `ship`, the status
 * page and the privacy notice, and the codes a refusal is logged under. The words live here,
 * beside the adapter, so no caller branches on "nats".
 */
import type { Config } from '../config/schema.js';
import { parseServers } from '../lib/nats-servers.js';
import { natsTransport } from '../lib/transport.js';
import type { ClickSink } from '../shipper/ports.js';
import { natsCodeOf, type NatsErrorCode } from './errors.js';
import { openNatsClickSink } from './index.js';
import { probeNats } from './probe.js';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_TIMEOUT_MS, type NatsSettings } from './settings.js';

type NatsKeys = Config['nats'];

/** What `status` shows of the sink: the main-system probe's fields plus the stream's. */
export interface NatsSinkProbe {
  adapter: 'nats';
  where: string | null;
  reachable: boolean | null;
  can_select_links: null;
  can_insert_clicks: null;
  can_read_click_id: null;
  error: string | null;
  stream: string;
  /** found, missing, or unknown (no right to read it, or no answer). */
  stream_state: 'found' | 'missing' | 'unknown';
  captures_subject: boolean | null;
  /** The stream's duplicate window in ms, read from the server; null when it could not be read. */
  duplicate_window_ms: number | null;
}

export function natsSettingsOf(k: NatsKeys): NatsSettings {
  return { url: k.url, subject: k.subject, stream: k.stream, credentials_file: k.credentials_file, create_stream: k.create_stream, timeout_ms: DEFAULT_TIMEOUT_MS };
}

const where = (k: NatsKeys): string => `${parseServers(k.url).where} subject ${k.subject} (stream ${k.stream})`;

/** "24 h", "2 min", "90 s": a window as a person reads it. */
export function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

async function probe(s: { nats: NatsKeys }, env?: NodeJS.ProcessEnv): Promise<NatsSinkProbe> {
  const out: NatsSinkProbe = { adapter: 'nats', where: null, reachable: null, can_select_links: null, can_insert_clicks: null, can_read_click_id: null, error: null, stream: s.nats.stream, stream_state: 'unknown', captures_subject: null, duplicate_window_ms: null };
  try {
    const p = await probeNats(natsSettingsOf(s.nats), env);
    return { ...out, where: p.where, reachable: p.reachable, error: p.error, stream_state: p.stream, captures_subject: p.captures_subject, duplicate_window_ms: p.duplicate_window_ms };
  } catch (err) {
    // An unreadable credential file: a ConfigError naming the path, never its content.
    return { ...out, error: (err as Error).message };
  }
}

/** The coded detail of a refusal ("CR_ERR_NATS_…: why") without its code. */
const why = (detail: string | undefined): string => (detail ?? 'refused').replace(/^CR_ERR_NATS_[A-Z_]+:\s*/, '');

export const NATS_SINK = {
  mainSystem: false,
  delivers: true,
  open: (s: { nats: NatsKeys }, _o: unknown, env?: NodeJS.ProcessEnv): ClickSink => openNatsClickSink(natsSettingsOf(s.nats), env),
  probe,
  transport: (c: Config) => {
    if (c.nats.url === '') return null;
    const { servers, tls } = parseServers(c.nats.url);
    return natsTransport('nats.url', servers, tls);
  },
  describe: {
    target: (s: { nats: NatsKeys }) => `NATS JetStream ${where(s.nats)}`,
    shipping: (v: { where: string | null; lastSuccess: string }) => `JetStream publishes to ${v.where ?? 'NATS'}, last success ${v.lastSuccess}`,
    reach: (p: { reachable: boolean | null; error: string | null } & Partial<Pick<NatsSinkProbe, 'stream' | 'stream_state' | 'captures_subject' | 'duplicate_window_ms'>>): string[] => {
      const state = p.stream_state === 'found'
        ? `${p.stream} found${p.captures_subject === false ? ', does NOT capture the subject' : ''}; duplicate window ${p.duplicate_window_ms == null ? 'unknown' : describeWindow(p.duplicate_window_ms)} (consumers deduplicate on click_id past it)`
        : p.stream_state === 'missing' ? `${p.stream} MISSING` : `${p.stream}: not read`;
      return [`  nats       ${p.reachable ? 'reachable' : 'NOT reachable'}; stream ${state}${p.error ? ` (${p.error})` : ''}`];
    },
    paused: '; the NATS server refused the login, a permission, or has no stream for the subject (the code in the log and in status says which)',
    recipients: (c: Config) => ({
      main_system_host: null,
      text:
        `The NATS JetStream stream "${c.nats.stream}" on ${parseServers(c.nats.url).where} (subject ${c.nats.subject}), and whoever consumes that stream: each click's fields listed above as the integration guide's record-click JSON, one message per click, its Nats-Msg-Id header the click_id. ` +
        `The stream stores a click sent again within its duplicate window once (${describeWindow(DEFAULT_DUPLICATE_WINDOW_MS)} when clickrelay creates the stream; \`clickrelay status\` shows the window the stream has); past that window a consumer deduplicates on click_id. Nothing is sent to anyone else.`,
    }),
    noticeSettings: (c: Config) => ({ 'shipper.sink': 'nats', 'nats.url': parseServers(c.nats.url).where, 'nats.subject': c.nats.subject, 'nats.stream': c.nats.stream }),
    pausedState: (e: { detail?: string }) => `${why(e.detail)}: shipping paused, clicks stay pending until the configuration is fixed and clickrelay restarted`,
  },
  refused: {
    code: 'CR_ERR_NATS_AUTH' as NatsErrorCode,
    codeOf: (e: { detail?: string }): NatsErrorCode => natsCodeOf(e.detail) ?? 'CR_ERR_NATS_AUTH',
    message: (e: { detail?: string }) => `${why(e.detail)}: shipping paused, clicks stay pending`,
  },
};
