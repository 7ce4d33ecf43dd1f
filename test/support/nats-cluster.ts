/**
 * A throwaway three-node NATS cluster with JetStream, for the leader change: each node its
 * own port, route port and store in a temp folder; a node can be SIGKILLed (its stream
 * leadership moves to another) and started again. Call `skipUnless(natsServer())` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from './child-service.js';
import { NATS_STREAM, NATS_SUBJECT } from './nats.js';
import { natsServer } from './requires.js';
import { retryUntil } from './wait-for.js';

export interface NatsCluster {
  /** All three client URLs, comma-separated (as nats.url takes them). */
  url: string;
  names: string[];
  admin(): Promise<NatsConnection>;
  createStream(over?: Partial<StreamConfig>): Promise<void>;
  /** The node leading the stream now. */
  streamLeader(): Promise<string>;
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  messageIds(): Promise<string[]>;
  destroy(): Promise<void>;
}

export async function startNatsCluster(): Promise<NatsCluster> {
  const bin = natsServer().path;
  if (!bin) throw new Error('nats-server not found');
  const dir = mkdtempSync(join(tmpdir(), 'clickrelay-nats-cluster-'));
  const names = ['n1', 'n2', 'n3'];
  const ports = await Promise.all(names.map(() => freePort()));
  const routes = await Promise.all(names.map(() => freePort()));
  const children = new Map<string, ChildProcess>();
  const confs = names.map((name, i) => {
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${ports[i]}`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, name))} }`,
        `cluster { name: C, listen: 127.0.0.1:${routes[i]}, routes: [${routes.map((p) => `nats://127.0.0.1:${p}`).join(', ')}] }`,
      ].join('\n') + '\n',
    );
    return conf;
  });
  const start = (name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn(bin, ['-c', confs[names.indexOf(name)]!], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.set(name, c);
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
      c.once('exit', (code) => reject(new Error(`nats-server ${name} exited (${code}): ${log.slice(-2000)}`)));
    });
  await Promise.all(names.map(start));
  const url = ports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  let adminConn: NatsConnection | null = null;
  const admin = async () => {
    if (adminConn && !adminConn.isClosed()) return adminConn;
    adminConn = await connect({ servers: ports.map((p) => `127.0.0.1:${p}`), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    return adminConn;
  };
  /** Retries an API call while the cluster elects its leaders (it answers 503 or times out until then). */
  const api = <T>(f: () => Promise<T>): Promise<T> => retryUntil('the NATS cluster to answer its API', f, { timeoutMs: 60_000, stepMs: 100 });
  const jsm = async () => jetstreamManager(await admin(), { timeout: 2_000 });
  return {
    url,
    names,
    admin,
    async createStream(over = {}) {
      await api(async () => (await jsm()).streams.add({ name: NATS_STREAM, subjects: [NATS_SUBJECT], storage: 'file', num_replicas: 3, duplicate_window: nanos(24 * 3600_000), ...over } as StreamConfig));
    },
    async streamLeader() {
      return api(async () => {
        const leader = (await (await jsm()).streams.info(NATS_STREAM)).cluster?.leader;
        if (!leader) throw new Error('no leader yet');
        return leader;
      });
    },
    async kill(name) {
      const c = children.get(name);
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
    start,
    async messageIds() {
      const m = await jsm();
      const n = await api(async () => (await m.streams.info(NATS_STREAM)).state.last_seq);
      const ids: string[] = [];
      for (let seq = 1; seq <= n; seq++) {
        const msg = await api(() => m.streams.getMessage(NATS_STREAM, { seq }));
        if (msg) ids.push(msg.header.get('Nats-Msg-Id'));
      }
      return ids;
    },
    async destroy() {
      await adminConn?.close().catch(() => undefined);
      for (const name of names) {
        const c = children.get(name);
        if (c && c.exitCode === null && c.signalCode === null) {
          const gone = new Promise((r) => c.once('exit', r));
          c.kill('SIGKILL');
          await gone;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
