/**
 * What `status` shows of the NATS sink, asked of the server on a connection of its own:
 * is it reachable, does the login pass, is the stream there and does it capture the subject,
 * and which duplicate window is in force (read from the stream, never assumed). Reading the
 * stream needs publish on `$JS.API.STREAM.INFO.<stream>`; without it the window is unknown
 * and the probe says so rather than failing. Never throws; no credential in its text.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { nats } from './client-lib.js';
import { scrubSecrets } from '../errors.js';
import { connectOptions } from './connect-options.js';
import { readNatsCredentials } from './credentials.js';
import { faultVerdict } from './faults.js';
import { parseServers } from '../lib/nats-servers.js';
import type { NatsSettings } from './settings.js';
import { streamInfo, subjectMatches } from './stream.js';

export interface NatsProbe {
  /** The servers and subject, safe to show. */
  where: string;
  /** A server answered (even if it refused the login). */
  reachable: boolean;
  /** 'unknown': the user may not read the stream's info, or the server did not answer. */
  stream: 'found' | 'missing' | 'unknown';
  /** The stream's duplicate_window in ms, when it could be read. */
  duplicate_window_ms: number | null;
  /** The stream's subjects capture nats.subject (null: unknown). */
  captures_subject: boolean | null;
  /** Why shipping cannot work or the answer is partial: "CR_ERR_NATS_…: …", or a connection error; null when all is well. */
  error: string | null;
}

export async function probeNats(s: NatsSettings, env: NodeJS.ProcessEnv = process.env): Promise<NatsProbe> {
  const servers = parseServers(s.url);
  const creds = readNatsCredentials(s, env);
  const scrub = (t: string) => scrubSecrets(t, creds.secrets);
  const out: NatsProbe = { where: `${servers.where} subject ${s.subject}`, reachable: false, stream: 'unknown', duplicate_window_ms: null, captures_subject: null, error: null };
  let nc: NatsConnection;
  try {
    nc = await nats().connect({ ...connectOptions(servers, creds, s.timeout_ms), reconnect: false });
  } catch (err) {
    const v = faultVerdict(err, scrub);
    out.reachable = v.kind === 'access';
    out.error = v.kind === 'access' ? v.error.detail : v.kind === 'retry' ? v.detail : null;
    return out;
  }
  out.reachable = true;
  try {
    const info = await streamInfo(nc, { stream: s.stream, subject: s.subject, duplicateWindowMs: 0, timeoutMs: s.timeout_ms });
    if (info === null) {
      out.stream = 'missing';
      out.error = s.create_stream ? null : `CR_ERR_NATS_NO_STREAM: there is no stream "${s.stream}" (create it, or set nats.create_stream = true)`;
    } else {
      out.stream = 'found';
      out.duplicate_window_ms = nats().millis(info.config.duplicate_window ?? 0);
      out.captures_subject = (info.config.subjects ?? []).some((p) => subjectMatches(p, s.subject));
      if (!out.captures_subject) out.error = `CR_ERR_NATS_NO_STREAM: the stream "${s.stream}" does not capture the subject "${s.subject}"`;
    }
  } catch (err) {
    const v = faultVerdict(err, scrub);
    out.error = v.kind === 'access' && v.error.code === 'CR_ERR_NATS_PERMISSION'
      ? `the NATS user may not read the stream's info ($JS.API.STREAM.INFO.${s.stream}): the duplicate window in force is unknown`
      : v.kind === 'access' ? v.error.detail : v.kind === 'retry' ? v.detail : null;
  } finally {
    await nc.close().catch(() => undefined);
  }
  return out;
}
