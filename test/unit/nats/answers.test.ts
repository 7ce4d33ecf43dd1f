/** PubAcks and client faults read into verdicts, and a batch's verdicts into the port's outcome. */
import { describe, expect, it } from 'vitest';
import { NatsError, natsCodeOf } from '../../../src/nats/errors.js';
import { faultVerdict } from '../../../src/nats/faults.js';
import { outcomeOf } from '../../../src/nats/outcome.js';
import { readPubAck } from '../../../src/nats/pub-ack.js';
import type { PubVerdict } from '../../../src/nats/verdict.js';

const enc = (s: string) => new TextEncoder().encode(s);
const ack = (s: string) => readPubAck({ data: enc(s) }, 'clickrelay.clicks');

describe('a PubAck', () => {
  it('stored, or a duplicate within the window', () => {
    expect(ack('{"stream":"CLICKRELAY","seq":7}')).toEqual({ kind: 'stored', duplicate: false });
    expect(ack('{"stream":"CLICKRELAY","seq":7,"duplicate":true}')).toEqual({ kind: 'stored', duplicate: true });
  });

  it('a full stream is sent again, never refused; an oversized message is refused alone', () => {
    expect(ack('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"T","seq":0}')).toEqual({ kind: 'retry', reason: 'server_error', detail: 'JetStream 503/10077: maximum messages exceeded', slowDown: true });
    expect(ack('{"error":{"code":400,"err_code":10054,"description":"message size exceeds maximum allowed"}}')).toEqual({ kind: 'refused', reason: 'rejected: JetStream 400/10054: message size exceeds maximum allowed' });
    expect(ack('{"error":{"code":400,"err_code":19999,"description":"new"}}').kind).toBe('retry');
    expect(ack('not json').kind).toBe('retry');
  });

  it('503 no responders: no stream captures the subject', () => {
    const v = readPubAck({ data: new Uint8Array(0), headers: { code: 503, description: '' } }, 'clickrelay.clicks');
    expect(v.kind === 'access' && v.error.code).toBe('CR_ERR_NATS_NO_STREAM');
  });
});

describe('a client fault', () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  it.each([
    ['AuthorizationError', 'Authorization Violation', 'CR_ERR_NATS_AUTH'],
    ['UserAuthenticationExpiredError', 'User Authentication Expired', 'CR_ERR_NATS_AUTH'],
    ['PermissionViolationError', 'Permissions Violation for Publish to "clickrelay.clicks"', 'CR_ERR_NATS_PERMISSION'],
    ['RequestError', 'Permissions Violation for Publish to "$JS.API.STREAM.INFO.X"', 'CR_ERR_NATS_PERMISSION'],
    ['JetStreamNotEnabled', 'jetstream is not enabled', 'CR_ERR_NATS_NO_STREAM'],
  ])('%s pauses with its code', (name, message, code) => {
    const v = faultVerdict(named(name, message), (s) => s);
    expect(v.kind === 'access' && v.error.code).toBe(code);
  });

  it('anything else is sent again, its text scrubbed', () => {
    expect(faultVerdict(named('ConnectionError', 'connection refused to pw-abcdef'), (s) => s.replace('pw-abcdef', '[redacted]'))).toEqual({ kind: 'retry', reason: 'connection', detail: 'connection refused to [redacted]' });
    expect(faultVerdict(named('TimeoutError', 'timeout'), (s) => s)).toMatchObject({ kind: 'retry', reason: 'timeout' });
  });
});

describe("a batch's outcome", () => {
  const stored: PubVerdict = { kind: 'stored', duplicate: false };
  const dup: PubVerdict = { kind: 'stored', duplicate: true };
  const again: PubVerdict = { kind: 'retry', reason: 'connection', detail: 'disconnected' };
  const refused: PubVerdict = { kind: 'refused', reason: 'rejected: too big' };
  const access: PubVerdict = { kind: 'access', error: new NatsError('CR_ERR_NATS_PERMISSION', 'no publish') };

  it('counts stored and duplicates; refused ones are dead-lettered alone', () => {
    expect(outcomeOf([stored, dup, refused], 1000)).toEqual({ kind: 'answered', recorded: 1, duplicates: 1, rejected: [{ at: 2, reason: 'rejected: too big' }] });
  });

  it('sends the unanswered again, a missing verdict being a timeout', () => {
    expect(outcomeOf([stored, again, undefined], 1000)).toEqual({ kind: 'answered', recorded: 1, duplicates: 0, unanswered: [1, 2], retry: { reason: 'connection', detail: 'disconnected', retryAfterMs: null } });
    expect(outcomeOf([undefined, undefined], 1000)).toEqual({ kind: 'retry', reason: 'timeout', detail: 'no PubAck within 1000 ms', retryAfterMs: null });
  });

  it('nothing answered and access refused: pause, with the code in the detail', () => {
    const o = outcomeOf([again, access], 1000);
    expect(o).toEqual({ kind: 'unauthorized', detail: 'CR_ERR_NATS_PERMISSION: no publish' });
    expect(natsCodeOf(o.kind === 'unauthorized' ? o.detail : '')).toBe('CR_ERR_NATS_PERMISSION');
  });
});
