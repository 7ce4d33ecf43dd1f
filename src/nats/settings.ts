/**
 * What the NATS JetStream click sink is configured with: the `[nats]` keys as they will sit
 * in the configuration (snake_case, as the other sections), and their defaults. Plain data,
 * so the sink, the probe and the CLI read one description.
 *
 * The duplicate window (JetStream's `duplicate_window`: how long the stream remembers a
 * `Nats-Msg-Id`) defaults to 24 hours. A click is sent again only when its publish was not
 * acknowledged: after a lost PubAck or a reconnect (within timeout_ms + shipper.max_backoff_ms,
 * a minute at most, while the server is up), or after clickrelay itself stopped between the
 * publish and the outbox's acknowledgement (when it starts again), or after the server stored
 * a message and went down before answering (when it is back). The outbox rides out any outage
 * of either side — it keeps pending clicks until they are acknowledged, with no deadline — so
 * no finite window covers every case; 24 hours covers an outage that lasts a night or a
 * working day, including one that begins with a message stored but not acknowledged, at a cost
 * the server can carry (it keeps each message id of the window in memory, about 100–150 bytes:
 * some 150 MB per million clicks a day). JetStream's own default (2 minutes) would not cover a
 * relay restarted by hand. Past the window a consumer deduplicates on `click_id`; the window
 * in force is read from the stream (probe.ts), not assumed.
 */

export const DEFAULT_SUBJECT = 'clickrelay.clicks';
export const DEFAULT_STREAM = 'CLICKRELAY';
export const DEFAULT_DUPLICATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long a connect may take and a publish waits for its PubAck (not a key: the contract's [nats] has none). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Publishes awaiting their PubAck at once, all batches together (measured in bench/ship-nats.mjs). */
export const DEFAULT_MAX_IN_FLIGHT = 512;

export interface NatsSettings {
  /** One or several comma-separated `nats://` or `tls://` servers (no credentials in them). */
  url: string;
  subject: string;
  stream: string;
  /** A `.creds` file, a token or `user:password`; '' = the systemd credential `nats_credentials`, or none. */
  credentials_file: string;
  /** true: create the stream (file storage, the subject, the duplicate window) when it is missing. */
  create_stream: boolean;
  /** The duplicate window a created stream gets, in ms (default 24 h). */
  duplicate_window_ms?: number;
  /** Connect limit, and how long a publish waits for its PubAck. */
  timeout_ms: number;
  /** Publishes in flight at once (default DEFAULT_MAX_IN_FLIGHT). */
  max_in_flight?: number;
}
