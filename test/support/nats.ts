/**
 * A throwaway NATS server with JetStream for one test file, as postgres.ts is for
 * PostgreSQL: Debian's nats-server on a free port, its store in a temp folder, started by the
 * test itself. It can be killed (SIGKILL: what JetStream has acknowledged is on disk) and
 * started again on the same port and store, and it can run with accounts:
 * - `admin`: everything (the tests read the stream back as admin);
 * - `relay`: the least privilege docs/nats.md asks for — publish on the subject (and read the
 *   stream's info, for the probe), subscribe to the `_INBOX.>` replies its PubAcks come on;
 * - `pubonly`: publish on the subject and nothing else (no PubAck can reach it);
 * - `nopub`: may not publish on the subject.
 * Call `skipUnless(natsServer())` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from './child-service.js';
import { natsServer } from './requires.js';
import { retryUntil } from './wait-for.js';

export const NATS_SUBJECT = 'clickrelay.clicks';
export const NATS_STREAM = 'CLICKRELAY';
export const USERS = {
  admin: { user: 'admin', password: 'admin-secret-9f3a' },
  relay: { user: 'relay', password: 'relay-secret-5c1e' },
  pubonly: { user: 'pubonly', password: 'pubonly-secret-77d2' },
  nopub: { user: 'nopub', password: 'nopub-secret-1b8e' },
} as const;
export type NatsUser = keyof typeof USERS;

export interface StoredMessage {
  msgId: string;
  body: Record<string, unknown>;
}

export interface NatsServer {
  port: number;
  url: string;
  auth: boolean;
  /** SIGKILL: a crash, as far as clients can tell. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once JetStream answers. */
  start(): Promise<void>;
  /** A connection as `admin` (or anonymous without auth); closed by destroy(). */
  admin(): Promise<NatsConnection>;
  createStream(over?: Partial<StreamConfig>): Promise<void>;
  deleteStream(name?: string): Promise<void>;
  /** Messages in the stream, in order. */
  messages(stream?: string): Promise<StoredMessage[]>;
  messageCount(stream?: string): Promise<number>;
  destroy(): Promise<void>;
}

function config(port: number, store: string, auth: boolean, subject: string, token: string | undefined): string {
  const lines = [`listen: 127.0.0.1:${port}`, `jetstream { store_dir: ${JSON.stringify(store)} }`];
  if (token !== undefined) lines.push(`authorization { token: ${JSON.stringify(token)} }`);
  if (auth) {
    const u = (name: NatsUser, perms: string) => `    { user: ${USERS[name].user}, password: ${JSON.stringify(USERS[name].password)}${perms} }`;
    lines.push(
      'authorization {',
      '  users = [',
      u('admin', ''),
      u('relay', `, permissions: { publish: { allow: [${JSON.stringify(subject)}, "$JS.API.STREAM.INFO.${NATS_STREAM}"] }, subscribe: { allow: ["_INBOX.>"] } }`),
      u('pubonly', `, permissions: { publish: { allow: [${JSON.stringify(subject)}] }, subscribe: { deny: [">"] } }`),
      u('nopub', `, permissions: { publish: { allow: ["other.subject"] }, subscribe: { allow: ["_INBOX.>"] } }`),
      '  ]',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

/** `auth`: the four users above; `token`: one token for everyone instead. */
export async function startNats(o: { auth?: boolean; token?: string; subject?: string } = {}): Promise<NatsServer> {
  const bin = natsServer().path;
  if (!bin) throw new Error('nats-server not found');
  const auth = o.auth ?? false;
  const dir = mkdtempSync(join(tmpdir(), 'clickrelay-nats-'));
  const port = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, config(port, join(dir, 'store'), auth, o.subject ?? NATS_SUBJECT, o.token));
  let child: ChildProcess | null = null;
  let adminConn: NatsConnection | null = null;

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      let log = '';
      const onData = (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server is ready')) {
          c.stderr!.off('data', onData);
          c.stderr!.resume();
          resolve();
        }
      };
      c.stderr!.on('data', onData);
      c.once('exit', (code) => reject(new Error(`nats-server exited (${code}) before it was ready: ${log.slice(-2000)}`)));
    });

  const admin = async (): Promise<NatsConnection> => {
    if (adminConn && !adminConn.isClosed()) return adminConn;
    adminConn = await connect({ servers: `127.0.0.1:${port}`, ...(auth ? { user: USERS.admin.user, pass: USERS.admin.password } : o.token !== undefined ? { token: o.token } : {}), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    return adminConn;
  };

  /** Resolves once JetStream answers the admin again (after a restart it recovers its store first). */
  const jetStreamUp = async (): Promise<void> => {
    await retryUntil('JetStream to answer the admin', async () => (await jetstreamManager(await admin(), { timeout: 1_000 })).getAccountInfo(), { timeoutMs: 30_000, stepMs: 50 });
  };

  await start();
  const server: NatsServer = {
    port,
    url: `nats://127.0.0.1:${port}`,
    auth,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
    async start() {
      await start();
      await jetStreamUp();
    },
    admin,
    async createStream(over = {}) {
      const jsm = await jetstreamManager(await admin());
      await jsm.streams.add({ name: NATS_STREAM, subjects: [o.subject ?? NATS_SUBJECT], storage: 'file', duplicate_window: nanos(24 * 3600_000), ...over } as StreamConfig);
    },
    async deleteStream(name = NATS_STREAM) {
      const jsm = await jetstreamManager(await admin());
      await jsm.streams.delete(name).catch(() => undefined);
    },
    async messageCount(stream = NATS_STREAM) {
      const jsm = await jetstreamManager(await admin());
      return (await jsm.streams.info(stream)).state.messages;
    },
    async messages(stream = NATS_STREAM) {
      const nc = await admin();
      const n = await server.messageCount(stream);
      const out: StoredMessage[] = [];
      if (n === 0) return out;
      const consumer = await jetstream(nc).consumers.get(stream);
      const iter = await consumer.consume({ max_messages: 1000 });
      for await (const m of iter) {
        out.push({ msgId: m.headers?.get('Nats-Msg-Id') ?? '', body: m.json<Record<string, unknown>>() });
        if (out.length >= n) break;
      }
      await iter.close();
      return out;
    },
    async destroy() {
      await adminConn?.close().catch(() => undefined);
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
