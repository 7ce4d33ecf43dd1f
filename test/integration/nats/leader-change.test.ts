/**
 * A cluster leader change mid-shipping: three nats-server nodes, the stream replicated on all
 * three, the node leading it SIGKILLed while a shipper publishes (the relay knows all three
 * URLs): publishes answered 503 or cut off during the election are sent again, and every
 * click is in the stream exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNatsClickSink } from '../../../src/nats/index.js';
import { createShipper, type ShipperEvent } from '../../../src/shipper/index.js';
import { startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { NATS_STREAM, NATS_SUBJECT } from '../../support/nats.js';
import { natsServer, skipUnless } from '../../support/requires.js';
import { waitFor } from '../../support/wait-for.js';
import { clicks, openOutbox, record, removeDir, tempDir } from '../shipper/helpers.js';

describe.skipIf(skipUnless(natsServer()))('a JetStream cluster whose stream leader dies', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await startNatsCluster();
    await cluster.createStream();
  }, 90_000);
  afterAll(() => cluster?.destroy());

  it('every click once across the leader change', async () => {
    const dir = tempDir('nats-leader-');
    const outbox = await openOutbox(dir);
    const ours = clicks(10_000);
    await record(outbox, ours);
    const sink = openNatsClickSink({ url: cluster.url, subject: NATS_SUBJECT, stream: NATS_STREAM, credentials_file: '', create_stream: false, timeout_ms: 2_000 }, {});
    const events: ShipperEvent[] = [];
    const shipper = createShipper({ outbox, sink, mode: 'batch', batchSize: 50, lingerMs: 5, concurrency: 4, maxBackoffMs: 300, baseBackoffMs: 5, pollMs: 100, onEvent: (e) => events.push(e) });
    try {
      const leader = await cluster.streamLeader();
      shipper.start();
      await waitFor('the first clicks acknowledged', () => events.some((e) => e.type === 'shipped'));
      await cluster.kill(leader);
      expect(shipper.stats().shipped).toBeLessThan(ours.length);
      expect(await shipper.drain({ timeoutMs: 60_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
      expect(await cluster.streamLeader()).not.toBe(leader);
      // The election was felt: publishes went unanswered (a follower's client) or were cut off (the leader's).
      expect(events.some((e) => e.type === 'retry')).toBe(true);
      const ids = await cluster.messageIds();
      expect(ids.length).toBe(ours.length);
      expect(new Set(ids)).toEqual(new Set(ours.map((c) => c.click_id)));
    } finally {
      await shipper.stop({ graceMs: 0 });
      await outbox.close();
      removeDir(dir);
    }
  }, 120_000);
});
