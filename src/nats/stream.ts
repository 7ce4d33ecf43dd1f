/**
 * The stream behind the subject: read its configuration (the probe's duplicate window), and
 * create it when `nats.create_stream` asks and it is missing — file storage, the one subject,
 * the duplicate window; nothing else is set, so the operator's limits, replicas and retention
 * stay theirs. An existing stream is never changed.
 *
 * Rights: reading needs publish on `$JS.API.STREAM.INFO.<stream>`, creating on
 * `$JS.API.STREAM.CREATE.<stream>` (docs/nats.md); a relay that only publishes needs neither.
 */
import type { StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, nats } from './client-lib.js';
import { NatsError } from './errors.js';
import { faultVerdict } from './faults.js';
import type { PubVerdict } from './verdict.js';

export interface StreamSpec {
  stream: string;
  subject: string;
  duplicateWindowMs: number;
  timeoutMs: number;
}

const isNotFound = (err: unknown): boolean => (err as { code?: unknown }).code === 10059 || (err as { status?: unknown }).status === 404;

/** The stream's info, or null when there is no such stream. Throws what the client throws otherwise. */
export async function streamInfo(nc: NatsConnection, s: StreamSpec): Promise<StreamInfo | null> {
  const jsm = await jetstream().jetstreamManager(nc, { checkAPI: false, timeout: s.timeoutMs });
  try {
    return await jsm.streams.info(s.stream);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Creates the stream when it is missing. null when it is there now; else why not (a verdict for the waiting clicks). */
export async function ensureStream(nc: NatsConnection, s: StreamSpec, scrub: (t: string) => string): Promise<PubVerdict | null> {
  try {
    if ((await streamInfo(nc, s)) !== null) return null;
    const jsm = await jetstream().jetstreamManager(nc, { checkAPI: false, timeout: s.timeoutMs });
    await jsm.streams.add({ name: s.stream, subjects: [s.subject], storage: jetstream().StorageType.File, duplicate_window: nats().nanos(s.duplicateWindowMs) });
    return null;
  } catch (err) {
    const v = faultVerdict(err, scrub);
    if (v.kind === 'access' && v.error.code === 'CR_ERR_NATS_PERMISSION') {
      return { kind: 'access', error: new NatsError('CR_ERR_NATS_PERMISSION', `nats.create_stream = true, but the NATS user may not read or create the stream "${s.stream}" (${v.error.message})`) };
    }
    if (isNotFound(err) || /no responders/i.test(String(err))) return { kind: 'access', error: new NatsError('CR_ERR_NATS_NO_STREAM', `JetStream does not answer: cannot create the stream "${s.stream}"`) };
    return v;
  }
}

/** Whether a stream subject (with `*` and `>` wildcards) captures `subject`. Pure. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const t = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length || (p[i] !== '*' && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}
