/**
 * What the registry (registry.ts) knows of each kind of link source and click sink: how it
 * is opened, probed and described, and which code reports a refused credential. A new kind
 * (a NATS sink, say) is a folder that exports one of these objects plus one registry line;
 * the folder never imports this file (TypeScript checks the shape where the registry lists
 * it), so the registry sits above every adapter and no adapter above the registry.
 */
import type { Config } from '../config/schema.js';
import type { Settings } from '../config/settings.js';
import type { Transport } from '../lib/transport.js';
import type { AreaErrorCode } from '../error-catalogue.js';
import type { ClickSinkSettings, SinkOptions } from '../main-system/click-sink.js';
import type { LinkSourceSettings, PortCredentials } from '../main-system/link-source.js';
import type { MainSystemProbe } from '../main-system/probe.js';
import type { LinkLookup, LinkSourcePort } from '../mirror/ports.js';
import type { ClickSink } from '../shipper/ports.js';

export type { MainSystemProbe, PortCredentials, SinkOptions };

/** What `status` shows of a sink: the main system's probe, plus the stream's facts for a sink that has one (NATS). */
export type SinkProbe = MainSystemProbe & {
  readonly stream?: string;
  readonly stream_state?: 'found' | 'missing' | 'unknown';
  readonly captures_subject?: boolean | null;
  /** The duplicate window the stream has, read from the server (null: could not be read). */
  readonly duplicate_window_ms?: number | null;
};

/** The keys a click sink is opened from (a loaded configuration has them all). */
export interface SinkSettings {
  readonly main_system: ClickSinkSettings;
  readonly nats: Config['nats'];
}

/** The keys a link source's ports are built from (a loaded configuration has them all). */
export interface LinkSettings {
  readonly main_system: LinkSourceSettings;
  readonly sync: { readonly page_size: number; readonly file: string; readonly miss_timeout_ms: number };
}

export interface LinkSourceEntry {
  /** This source is the main system: its up/reachable gauges exist (service/main-system-health.ts). */
  readonly mainSystem: boolean;
  /** The credentials `serve` reads once at start (a missing one stops it there), shared by the sync and the lookup. */
  credentials(s: LinkSettings, env?: NodeJS.ProcessEnv): PortCredentials;
  /** The port a sync reads, credentials read at each sync unless given; null: nothing to read (the sync fails saying so). */
  source(s: LinkSettings, c?: PortCredentials): LinkSourcePort | null;
  /** The one-link lookup on a miss; null: this source has none. */
  lookup(s: LinkSettings, c?: PortCredentials): LinkLookup | null;
  /** Whether reading links sends the credential over the network in clear text (lib/transport.ts); absent or null: nothing leaves this machine. */
  transport?(s: Config): Transport | null;
}

/** How `status`, `ship`, the status page and the privacy notice name a click sink. */
export interface SinkDescription {
  /** Where the clicks go, for the status page ("ok to …"); no credentials. */
  target(s: Settings): string;
  /** `status`'s shipper line, from the running serve's settings (or this command's) and the probe. */
  shipping(v: { mode: unknown; baseUrl: unknown; where: string | null; lastSuccess: string }): string;
  /** `status`'s lines on reaching the sink (the database's rights), from the probe. */
  reach(p: SinkProbe): string[];
  /** `ship --once` when shipping paused on a refused credential: why, as a clause. */
  paused: string;
  /** The shipping state's text while paused (serve.json, status, the status page); absent: the shipper's own words. */
  pausedState?(e: { status?: number; detail?: string }): string;
  /** The privacy notice's recipients. */
  recipients(c: Config, dashboardHost: string | null): { main_system_host: string | null; text: string };
  /** The privacy notice's main_system.* settings (no credentials). */
  noticeSettings(c: Config): Record<string, unknown>;
}

export type RefusedCode = AreaErrorCode<'SHIP'> | AreaErrorCode<'NATS'>;

export interface ClickSinkEntry {
  /** This sink is the main system: its up/reachable gauges exist. */
  readonly mainSystem: boolean;
  /** Clicks leave this server (false: standalone, they stay until retention and `ship` has nothing to do). */
  readonly delivers: boolean;
  /** The sink the shipper delivers to; null: nowhere to ship (then no shipper runs). Throws when its credential cannot be read. */
  open(s: SinkSettings, o: SinkOptions, env?: NodeJS.ProcessEnv): ClickSink | null;
  /** `status`'s main_system block (for a stream sink, with the stream and its duplicate window). */
  probe(s: Settings, env?: NodeJS.ProcessEnv): Promise<SinkProbe>;
  readonly describe: SinkDescription;
  /** Whether shipping sends the credential and the clicks over the network in clear text (lib/transport.ts); absent or null: nothing leaves this machine. */
  transport?(s: Config): Transport | null;
  /**
   * A refused credential (the shipper's `unauthorized` event): the code it is reported under
   * (`codeOf` when the sink tells several refusals apart), and its words. Null: cannot happen.
   */
  readonly refused: {
    readonly code: RefusedCode;
    codeOf?(e: { status?: number; detail?: string }): RefusedCode;
    message(e: { status?: number; detail?: string }): string;
  } | null;
}
