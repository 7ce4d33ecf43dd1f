/**
 * A fleet: two relays (two outboxes, two shippers, two connections) publishing to one
 * stream at once, the server SIGKILLed and started again while both ship and one relay's
 * connection cut on top: every click of both is in the stream exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNatsClickSink } from '../../../src/nats/index.js';
import type { Outbox } from '../../../src/outbox/index.js';
import { createShipper, type Shipper } from '../../../src/shipper/index.js';
import { startNats, type NatsServer } from '../../support/nats.js';
import { natsServer, skipUnless } from '../../support/requires.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { waitFor } from '../../support/wait-for.js';
import { clicks, openOutbox, record, removeDir, tempDir } from '../shipper/helpers.js';
import { settingsFor } from './helpers.js';

describe.skipIf(skipUnless(natsServer()))('two relays, one stream', () => {
  let server: NatsServer;
  let proxy: TcpProxy;
  const relays: { dir: string; outbox: Outbox; shipper: Shipper }[] = [];

  beforeAll(async () => {
    server = await startNats({ auth: true });
    await server.createStream();
    proxy = await startTcpProxy(server.port);
  }, 60_000);
  afterAll(async () => {
    for (const r of relays) {
      await r.shipper.stop({ graceMs: 0 });
      await r.outbox.close();
      removeDir(r.dir);
    }
    await proxy?.close();
    await server?.destroy();
  });

  it('each click once, through a server crash and a connection cut', async () => {
    const all = [];
    for (const port of [server.port, proxy.port]) {
      const dir = tempDir('nats-fleet-');
      const outbox = await openOutbox(dir);
      const ours = clicks(3_000);
      await record(outbox, ours);
      all.push(...ours);
      const sink = openNatsClickSink(settingsFor(server, dir, { port }), {});
      const shipper = createShipper({ outbox, sink, mode: 'batch', batchSize: 100, lingerMs: 5, concurrency: 4, maxBackoffMs: 200, baseBackoffMs: 5, pollMs: 100 });
      relays.push({ dir, outbox, shipper });
    }
    for (const r of relays) r.shipper.start();
    await waitFor('the first clicks in the stream', async () => (await server.messageCount()) > 0);
    await server.kill();
    await server.start();
    await waitFor('3,000 clicks in the stream after its restart', async () => (await server.messageCount()) >= 3_000, { timeoutMs: 60_000 });
    proxy.cut();
    const results = await Promise.all(relays.map((r) => r.shipper.drain({ timeoutMs: 60_000 })));
    expect(results).toEqual([
      { pending: 0, dead_letter: 0, paused: false },
      { pending: 0, dead_letter: 0, paused: false },
    ]);
    const ids = (await server.messages()).map((m) => m.msgId);
    expect(ids.length).toBe(6_000);
    expect(new Set(ids)).toEqual(new Set(all.map((c) => c.click_id)));
  }, 120_000);
});
