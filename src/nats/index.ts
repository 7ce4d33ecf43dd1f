/**
 * The NATS JetStream click sink, opened from its settings: what the sink registry calls.
 * The one place that reads the credential for it. Exported here: the opener, the probe,
 * the settings and their defaults.
 */
import type { ClickSink } from '../shipper/ports.js';
import { scrubSecrets } from '../errors.js';
import { natsClickSink } from './click-sink.js';
import { connectOptions } from './connect-options.js';
import { readNatsCredentials } from './credentials.js';
import { PublishLink } from './link.js';
import { parseServers } from '../lib/nats-servers.js';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_IN_FLIGHT, type NatsSettings } from './settings.js';
import { ensureStream } from './stream.js';
import { Window } from './window.js';

export { probeNats, type NatsProbe } from './probe.js';
export { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_STREAM, DEFAULT_SUBJECT, DEFAULT_TIMEOUT_MS, type NatsSettings } from './settings.js';
export { natsCodeOf, NatsError } from './errors.js';
export { NATS_CREDENTIAL_NAME } from './credentials.js';

/** Throws a ConfigError for a bad url or an unreadable credential; connects on the first delivery. */
export function openNatsClickSink(s: NatsSettings, env: NodeJS.ProcessEnv = process.env): ClickSink {
  const servers = parseServers(s.url);
  const creds = readNatsCredentials(s, env);
  const scrub = (t: string): string => scrubSecrets(t, creds.secrets);
  const spec = { stream: s.stream, subject: s.subject, duplicateWindowMs: s.duplicate_window_ms ?? DEFAULT_DUPLICATE_WINDOW_MS, timeoutMs: s.timeout_ms };
  const link = new PublishLink({
    connect: connectOptions(servers, creds, s.timeout_ms),
    subject: s.subject,
    scrub,
    timeoutMs: s.timeout_ms,
    ...(s.create_stream ? { prepare: (nc) => ensureStream(nc, spec, scrub) } : {}),
  });
  return natsClickSink({
    link,
    window: new Window(Math.max(1, s.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT)),
    subject: s.subject,
    timeoutMs: s.timeout_ms,
    where: `${servers.where} subject ${s.subject} (stream ${s.stream})`,
  });
}
