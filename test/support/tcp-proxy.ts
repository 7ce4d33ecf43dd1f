/**
 * A TCP pass-through in front of any server (NATS, PostgreSQL, HTTP), for the faults a
 * server has no switch for:
 * - `holdAnswers()`: the client's bytes still reach the server, the server's answers stop at
 *   the proxy — the server has stored what it was sent, the client has no answer (a lost
 *   PubAck, a lost COMMIT reply, a lost HTTP answer);
 * - `cut()`: every connection through it reset at once (a network failure);
 * - `release()`: answers flow again (new connections; held ones are dropped with the cut).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  host: string;
  /** Bytes the server sent that were held back since holdAnswers(). */
  heldBytes(): number;
  holdAnswers(): void;
  release(): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let holding = false;
  let held = 0;
  const server = createServer((client) => {
    const up = connect(upstreamPort, upstreamHost);
    const pair: [Socket, Socket] = [client, up];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      up.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    client.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (holding) held += d.length;
      else client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    host: '127.0.0.1',
    heldBytes: () => held,
    holdAnswers() {
      holding = true;
      held = 0;
    },
    release() {
      holding = false;
    },
    cut() {
      for (const [a, b] of [...pairs]) {
        a.resetAndDestroy();
        b.destroy();
      }
      pairs.clear();
    },
    async close() {
      this.cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
