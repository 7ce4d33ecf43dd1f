/**
 * The conformance driver of the NATS JetStream sink: Debian's nats-server with accounts
 * (test/support/nats.ts), the relay publishing as the least-privileged `relay` user whose
 * `user:password` is in a credentials file, SIGKILLed and started again on the same store.
 * The stream's max_msg_size (1 KiB) refuses the long-referrer click on its own (10054).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { openNatsClickSink } from '../../../src/nats/index.js';
import { NATS_STREAM, NATS_SUBJECT, startNats, USERS, type NatsServer } from '../../support/nats.js';
import { natsServer, skipUnless } from '../../support/requires.js';
import { click } from '../../integration/shipper/helpers.js';
import type { SinkDriver } from '../sink-conformance.js';

export function natsDriver(): SinkDriver {
  let server: NatsServer;
  let dir = '';
  let n = 0;
  const credFile = (text: string) => {
    const f = join(dir, `creds-${++n}`);
    writeFileSync(f, text + '\n', { mode: 0o600 });
    return f;
  };
  return {
    name: 'nats',
    skip: () => skipUnless(natsServer()),
    secret: USERS.relay.password,
    async start() {
      dir = mkdtempSync(join(tmpdir(), 'conformance-nats-'));
      server = await startNats({ auth: true });
      await server.createStream({ max_msg_size: 1024 });
    },
    async destroy() {
      await server?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
    async reset() {
      await (await jetstreamManager(await server.admin())).streams.purge(NATS_STREAM);
    },
    port: () => server.port,
    openSink(o = {}) {
      return openNatsClickSink(
        { url: `nats://127.0.0.1:${o.port ?? server.port}`, subject: NATS_SUBJECT, stream: NATS_STREAM, credentials_file: credFile(`${USERS.relay.user}:${o.wrongSecret ?? USERS.relay.password}`), create_stream: false, timeout_ms: 2_000 },
        {},
      );
    },
    async storedIds() {
      const ms = await server.messages();
      // The body is the record-click JSON with the same click_id the header carries.
      for (const m of ms) if (m.body['click_id'] !== m.msgId) throw new Error(`message ${m.msgId} carries click_id ${String(m.body['click_id'])}`);
      return ms.map((m) => m.msgId);
    },
    storedCount: () => server.messageCount(),
    crash: () => server.kill(),
    revive: () => server.start(),
    badClick: () => click('lt_test', { referrer_url: `https://example.com/${'x'.repeat(1_100)}` }),
  };
}
