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

/** Whether the configuration talks to the main system at all (then its gauges exist). */
export function talksToMainSystem(k: { linkSource: LinkSourceKind; clickSink: ClickSinkKind }): boolean {
  return LINK_SOURCES[k.linkSource].mainSystem || CLICK_SINKS[k.clickSink].mainSystem;
}
