/**
 * The NATS sink against a real nats-server with accounts, beyond the conformance suite: what
 * a message holds, the duplicate window at work, each fault the issue names mapped to what
 * the shipper does (a full stream retried, a subject without a stream, a refused login, a
 * missing publish or inbox permission: paused with its code, nothing dead-lettered),
 * create_stream, the probe, and a token credential.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clickJson } from '../../../src/lib/click-json.js';
import { DEFAULT_DUPLICATE_WINDOW_MS, natsCodeOf, openNatsClickSink, probeNats, type NatsSettings } from '../../../src/nats/index.js';
import type { Outbox } from '../../../src/outbox/index.js';
import { createShipper, type Shipper, type ShipperEvent } from '../../../src/shipper/index.js';
import type { ClickRecord, StoredClick } from '../../../src/types.js';
import { freePort } from '../../support/child-service.js';
import { NATS_STREAM, NATS_SUBJECT, startNats, USERS, type NatsServer } from '../../support/nats.js';
import { natsServer, skipUnless } from '../../support/requires.js';
import { click, clicks, ofType, openOutbox, record, removeDir, tempDir } from '../shipper/helpers.js';
import { NO_STREAM_GRACE_MS } from '../../../src/nats/link.js';
import { settingsFor } from './helpers.js';

const asStored = (cs: ClickRecord[]): StoredClick[] => cs.map((c) => ({ ...c, metadata: JSON.stringify(c.metadata) }));
const never = new AbortController().signal;

describe.skipIf(skipUnless(natsServer()))('shipping into NATS JetStream', () => {
  let server: NatsServer;
  let dir: string;
  let outbox: Outbox;
  let shipper: Shipper | null = null;
  let events: ShipperEvent[];

  const ship = (s: NatsSettings): Shipper => {
    shipper = createShipper({ outbox, sink: openNatsClickSink(s, {}), mode: 'batch', batchSize: 50, lingerMs: 5, concurrency: 4, maxBackoffMs: 200, baseBackoffMs: 5, pollMs: 100, onEvent: (e) => events.push(e) });
    return shipper;
  };
  const jsm = async () => jetstreamManager(await server.admin());

  beforeAll(async () => {
    server = await startNats({ auth: true });
  }, 60_000);
  afterAll(() => server?.destroy());
  beforeEach(async () => {
    events = [];
    await server.deleteStream();
    await server.createStream();
    dir = tempDir('nats-ship-');
    outbox = await openOutbox(dir);
    return async () => {
      await shipper?.stop({ graceMs: 0 });
      shipper = null;
      await outbox.close();
      removeDir(dir);
    };
  });

  it("one message per click: the HTTP shipper's record-click JSON, Nats-Msg-Id = click_id; a resend within the window is a duplicate", async () => {
    const ours = asStored([click('lt_a', { clicked_at: '2026-01-02T03:04:05.678Z' }), click('lt_b', { anonymous: true, ip_address: null, user_agent: null, referrer_url: null, session_id: null, metadata: {} })]);
    const sink = openNatsClickSink(settingsFor(server, dir), {});
    try {
      expect(await sink.deliver(ours, never)).toEqual({ kind: 'answered', recorded: 2, duplicates: 0 });
      const more = asStored(clicks(3));
      expect(await sink.deliver([...ours, ...more], never)).toEqual({ kind: 'answered', recorded: 3, duplicates: 2 });
    } finally {
      await sink.close();
    }
    const msgs = await server.messages();
    expect(msgs.map((m) => m.msgId).slice(0, 2)).toEqual(ours.map((c) => c.click_id));
    expect(msgs[0]!.body).toEqual(JSON.parse(clickJson(ours[0]!)));
    expect(msgs[1]!.body['metadata']).toEqual({ anonymous: true });
    expect(msgs.length).toBe(5);
  });

  it('a full stream (limits, discard new) is retried and never dead-lettered; room made, everything arrives', async () => {
    await server.deleteStream();
    await server.createStream({ max_msgs: 50, discard: 'new' });
    await record(outbox, clicks(120));
    const s = ship(settingsFor(server, dir));
    expect(await s.drain({ timeoutMs: 1_500 })).toEqual({ pending: 70, dead_letter: 0, paused: false });
    expect(ofType(events, 'retry').some((e) => /10077: maximum messages exceeded/.test(e.detail ?? ''))).toBe(true);
    const info = await (await jsm()).streams.info(NATS_STREAM);
    await (await jsm()).streams.update(NATS_STREAM, { ...info.config, max_msgs: -1 });
    expect(await s.drain({ timeoutMs: 20_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
    expect(await server.messageCount()).toBe(120);
  });

  it.each([
    ['a subject no stream captures', { user: 'admin' as const, subject: 'clickrelay.nowhere' }, 'CR_ERR_NATS_NO_STREAM'],
    ['a refused login', { password: 'wrong-password-4e1f' }, 'CR_ERR_NATS_AUTH'],
    ['a user without publish permission on the subject', { user: 'nopub' as const }, 'CR_ERR_NATS_PERMISSION'],
    ['a user that may publish but not receive its PubAcks (_INBOX.>)', { user: 'pubonly' as const }, 'CR_ERR_NATS_PERMISSION'],
  ])('%s pauses shipping with its code, nothing dead-lettered, no secret in the detail', async (_what, over, code) => {
    await record(outbox, clicks(30));
    const s = ship(settingsFor(server, dir, over));
    // "No responders" pauses only once the connection is older than NO_STREAM_GRACE_MS (a server just restarted may still be loading its streams).
    const waitMs = code === 'CR_ERR_NATS_NO_STREAM' ? NO_STREAM_GRACE_MS + 2_000 : 1_500;
    expect(await s.drain({ timeoutMs: waitMs })).toEqual({ pending: 30, dead_letter: 0, paused: true });
    const u = ofType(events, 'unauthorized');
    expect(u.length).toBe(1);
    expect(natsCodeOf(u[0]!.detail)).toBe(code);
    const text = JSON.stringify(events);
    for (const secret of [...Object.values(USERS).map((x) => x.password), 'wrong-password-4e1f']) expect(text).not.toContain(secret);
  });

  it('create_stream = true creates the missing stream (file storage, the subject, the 24 h duplicate window); the probe reads it back', async () => {
    await server.deleteStream();
    await record(outbox, clicks(20));
    const settings = settingsFor(server, dir, { user: 'admin', create_stream: true });
    expect(await ship(settings).drain({ timeoutMs: 20_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
    const info = await (await jsm()).streams.info(NATS_STREAM);
    expect(info.config).toMatchObject({ subjects: [NATS_SUBJECT], storage: 'file', duplicate_window: DEFAULT_DUPLICATE_WINDOW_MS * 1e6 });
    expect(info.state.messages).toBe(20);
    expect(await probeNats(settingsFor(server, dir))).toEqual({
      where: `nats://127.0.0.1:${server.port} subject ${NATS_SUBJECT}`,
      reachable: true,
      stream: 'found',
      duplicate_window_ms: DEFAULT_DUPLICATE_WINDOW_MS,
      captures_subject: true,
      error: null,
    });
  });

  it('create_stream = true for a user who may only publish pauses with CR_ERR_NATS_PERMISSION', async () => {
    await server.deleteStream();
    await record(outbox, clicks(5));
    expect(await ship(settingsFor(server, dir, { create_stream: true })).drain({ timeoutMs: 1_500 })).toEqual({ pending: 5, dead_letter: 0, paused: true });
    expect(natsCodeOf(ofType(events, 'unauthorized')[0]!.detail)).toBe('CR_ERR_NATS_PERMISSION');
  });

  it('the probe says what is wrong: no stream, no right to read it, a refused login, no server', async () => {
    await server.deleteStream();
    expect(await probeNats(settingsFor(server, dir))).toMatchObject({ reachable: true, stream: 'missing', duplicate_window_ms: null, error: expect.stringMatching(/^CR_ERR_NATS_NO_STREAM: there is no stream "CLICKRELAY"/) });
    await server.createStream();
    expect(await probeNats(settingsFor(server, dir, { user: 'nopub' }))).toMatchObject({ reachable: true, stream: 'unknown', duplicate_window_ms: null, error: expect.stringMatching(/may not read the stream's info/) });
    const refused = await probeNats(settingsFor(server, dir, { password: 'wrong-password-4e1f' }));
    expect(refused).toMatchObject({ reachable: true, stream: 'unknown', error: expect.stringMatching(/^CR_ERR_NATS_AUTH/) });
    expect(JSON.stringify(refused)).not.toContain('wrong-password-4e1f');
    expect(await probeNats(settingsFor(server, dir, { port: await freePort() }))).toMatchObject({ reachable: false, stream: 'unknown', error: expect.stringMatching(/refused/) });
  });
});

describe.skipIf(skipUnless(natsServer()))('a NATS server that takes a token', () => {
  const TOKEN = 'token-7b3c9e21d5f0';
  let server: NatsServer;
  let dir: string;
  beforeAll(async () => {
    server = await startNats({ token: TOKEN });
    await server.createStream();
    dir = tempDir('nats-token-');
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
    removeDir(dir);
  });

  it('the token from the credentials file is accepted; a wrong one pauses with CR_ERR_NATS_AUTH and is not repeated', async () => {
    const good = openNatsClickSink(settingsFor(server, dir, { user: null, credential: TOKEN }), {});
    const bad = openNatsClickSink(settingsFor(server, dir, { user: null, credential: 'not-the-token-0000' }), {});
    try {
      expect(await good.deliver(asStored(clicks(3)), never)).toEqual({ kind: 'answered', recorded: 3, duplicates: 0 });
      const o = await bad.deliver(asStored(clicks(1)), never);
      expect(o.kind).toBe('unauthorized');
      expect(natsCodeOf(o.kind === 'unauthorized' ? o.detail : '')).toBe('CR_ERR_NATS_AUTH');
      expect(JSON.stringify(o)).not.toContain('not-the-token-0000');
    } finally {
      await good.close();
      await bad.close();
    }
  });
});
