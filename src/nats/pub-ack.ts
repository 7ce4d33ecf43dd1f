/**
 * One JetStream publish answer read into a verdict. Pure.
 *
 * The answer comes on the publish's reply subject: a PubAck `{"stream","seq","duplicate"?}`;
 * an API error `{"error":{"code","err_code","description"}}`; or, with no stream listening on
 * the subject, the server's own 503 status message with an empty body ("no responders").
 * Measured on nats-server 2.9.10:
 * - 10054 (400, "message size exceeds maximum allowed": the stream's max_msg_size) refuses
 *   this message only: its click is dead-lettered, its neighbours are not concerned;
 * - 10077 (503, "maximum messages/bytes exceeded": a full stream with discard=new), 10023
 *   (insufficient resources), any 5xx (no leader during an election, cluster not available):
 *   sent again later, never dead-lettered;
 * - 503 no responders: no stream captures the subject (or JetStream is off) → access refused.
 * An error of any other kind is sent again: a click is never given up on an answer we do not
 * understand.
 */
import { NatsError } from './errors.js';
import type { PubVerdict } from './verdict.js';

/** Errors that concern the one message, by JetStream err_code. */
const MESSAGE_REFUSED = new Set([10054]);

export interface ReplyMsg {
  data: Uint8Array;
  headers?: { code: number; description: string } | undefined;
}

export function readPubAck(m: ReplyMsg, subject: string, scrub: (s: string) => string = (s) => s): PubVerdict {
  if (m.data.length === 0) {
    const code = m.headers?.code ?? 0;
    if (code === 503) return { kind: 'access', error: new NatsError('CR_ERR_NATS_NO_STREAM', `no JetStream stream captures the subject "${subject}" (503 no responders)`) };
    return { kind: 'retry', reason: 'bad_response', detail: `JetStream answered status ${code} ${scrub(m.headers?.description ?? '')}`.trim() };
  }
  let a: { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: { code?: unknown; err_code?: unknown; description?: unknown } };
  try {
    a = JSON.parse(new TextDecoder().decode(m.data)) as typeof a;
  } catch {
    return { kind: 'retry', reason: 'bad_response', detail: 'JetStream answered something that is not a PubAck' };
  }
  if (a.error) {
    const code = typeof a.error.code === 'number' ? a.error.code : 0;
    const errCode = typeof a.error.err_code === 'number' ? a.error.err_code : 0;
    const detail = `JetStream ${code}/${errCode}: ${scrub(String(a.error.description ?? 'error')).slice(0, 300)}`;
    if (MESSAGE_REFUSED.has(errCode)) return { kind: 'refused', reason: `rejected: ${detail}` };
    return { kind: 'retry', reason: 'server_error', detail, slowDown: code === 503 };
  }
  if (typeof a.stream !== 'string' || typeof a.seq !== 'number') return { kind: 'retry', reason: 'bad_response', detail: 'JetStream answered a PubAck without stream and seq' };
  return { kind: 'stored', duplicate: a.duplicate === true };
}
