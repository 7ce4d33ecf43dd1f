/**
 * One serve per public port while the port is shared by serving threads (server.threads > 1).
 *
 * With SO_REUSEPORT a second serve would bind the same port without an error and take part
 * of the traffic, and of the clicks, into an outbox of its own. So a multi-threaded serve
 * holds a lock named after its address before any thread listens: a Linux abstract-namespace
 * unix socket `\0clickrelay-port-<host>:<port>`. It is a name in the kernel, not a file: the
 * kernel drops it with the last descriptor, so a crashed or SIGKILLed serve never leaves
 * anything behind that blocks the next start. Then one exclusive bind (no SO_REUSEPORT) on the
 * port proves no other program listens there either, since a reuse-port bind beside a
 * listener that also set SO_REUSEPORT would succeed silently.
 */
import { createServer, type Server } from 'node:net';
import { ClickrelayError } from '../errors.js';
import { listen } from './listen.js';
import type { Uws } from './uws.js';

export interface PortLock {
  release(): void;
}

/** The lock's name: one per public address; `host` as configured (the kernel compares bytes). */
export function portLockName(host: string, port: number): string {
  return `\0clickrelay-port-${host}:${port}`;
}

/** Takes the lock, or throws CR_ERR_PORT_TAKEN naming the address when another serve holds it. */
export function takePortLock(host: string, port: number, what: string): Promise<PortLock> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      server.close();
      if (err.code === 'EADDRINUSE') reject(new ClickrelayError('CR_ERR_PORT_TAKEN', `${what} ${host}:${port} is served by another clickrelay serve already (its threads share the port): stop it first, or give this one another server.port`));
      else reject(err);
    });
    server.listen({ path: portLockName(host, port) }, () => {
      server.unref(); // the lock must not keep a stopping process alive
      resolve({ release: () => server.close() });
    });
  });
}

/**
 * The exclusive bind: succeeds only when no socket at all is bound to host:port, so a program
 * that is not clickrelay (and holds no lock) cannot share the port unseen. Closed at once; the
 * serving threads then listen with SO_REUSEPORT. Returns the port (a configured 0: the one got).
 */
export async function proveNobodyListens(uws: Uws, host: string, port: number, what: string): Promise<number> {
  const probe = await listen(uws, uws.App(), host, port, what);
  probe.close();
  return probe.port;
}
