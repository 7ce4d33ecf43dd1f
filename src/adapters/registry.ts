/**
 * The one registry of link sources and click sinks: each kind Settings can name
 * (config/settings.ts: linkSource, clickSink) mapped to how it is opened, probed and
 * described (adapters/kinds.ts). The composition root (service/stages.ts), `status`, `ship`,
 * the privacy notice, the service's events and the main-system gauges ask here instead of
 * branching on a kind's name; adding a kind is its folder plus one line below.
 *
 * The standalone kinds are written out here, being a few lines each: the links file (the
 * mirror's own source) and no sink at all.
 */
import type { Config } from '../config/schema.js';
import type { ClickSinkKind, LinkSourceKind } from '../config/settings.js';
import { HTTP_LINKS, HTTP_SINK, POSTGRES_LINKS, POSTGRES_SINK } from '../main-system/kinds.js';
import { unprobed } from '../main-system/probe.js';
import { linksFileSource } from '../mirror/index.js';
import { NATS_SINK } from '../nats/kind.js';
import type { ClickSinkEntry, LinkSourceEntry } from './kinds.js';

/** Standalone: the operator's links file (sync.file); no lookup on a miss, nobody to ask. */
const LINKS_FILE: LinkSourceEntry = {
  mainSystem: false,
  credentials: () => ({}),
  source: (s) => linksFileSource(s.sync.file),
  lookup: () => null,
};

/** Standalone: clicks stay on this server until retention. */
const NO_SINK: ClickSinkEntry = {
  mainSystem: false,
  delivers: false,
  open: () => null,
  probe: async () => unprobed(null, null),
  describe: {
    target: () => '',
    shipping: () => 'off (standalone: no main_system.base_url or database_url)',
    reach: () => [],
    paused: '',
    recipients: () => ({ main_system_host: null, text: 'Nowhere: standalone (main_system.base_url is empty). Clicks stay on this server.' }),
    noticeSettings: () => ({ 'main_system.base_url': '' }),
  },
  refused: null,
};

export const LINK_SOURCES: Readonly<Record<LinkSourceKind, LinkSourceEntry>> = {
  http: HTTP_LINKS,
  postgres: POSTGRES_LINKS,
  file: LINKS_FILE,
};

export const CLICK_SINKS: Readonly<Record<ClickSinkKind, ClickSinkEntry>> = {
  http: HTTP_SINK,
  postgres: POSTGRES_SINK,
  nats: NATS_SINK,
  none: NO_SINK,
};

/**
 * A sink's words for its paused shipping (serve.json, `status`, the status page, `ship --once`'s
 * why-line): its own state text where it has one (NATS: what to fix, then restart), else the words
 * of its refusal (an API key, a database login or right), so no sink is described in another's words.
 */
export function pausedWords(sink: ClickSinkEntry): ((e: { status?: number; detail?: string }) => string) | undefined {
  return sink.describe.pausedState ?? sink.refused?.message;
}

/** Whether the configuration talks to the main system at all (then its gauges exist). */
export function talksToMainSystem(k: { linkSource: LinkSourceKind; clickSink: ClickSinkKind }): boolean {
  return LINK_SOURCES[k.linkSource].mainSystem || CLICK_SINKS[k.clickSink].mainSystem;
}

/**
 * Every way this configuration would send a credential or clicks across a network in clear
 * text (a source and a sink on the same URL count once), in the shape of a weakened setting
 * (notice/weakened.ts), so the start-up log, serve.json, `status`, the status page and
 * `audit --strict` list it beside the privacy ones. Asked of the entries: a new kind (NATS)
 * reports its own transport by adding `transport` to its entry.
 */
export function transportWeakened(s: Config & { linkSource: LinkSourceKind; clickSink: ClickSinkKind }): { key: string; value: string; default: string; effect: string }[] {
  const seen = new Set<string>();
  const out: { key: string; value: string; default: string; effect: string }[] = [];
  for (const t of [LINK_SOURCES[s.linkSource].transport?.(s), CLICK_SINKS[s.clickSink].transport?.(s)]) {
    if (!t || t.safe || !t.warning || seen.has(t.what)) continue;
    seen.add(t.what);
    out.push({ key: t.key, value: t.peer, default: 'TLS, or a peer on this machine', effect: t.warning });
  }
  return out;
}
