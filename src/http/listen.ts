/** Listen on host:port (0 = any free port) and report the real port; close by listen socket. */
import { ClickrelayError } from '../errors.js';
import { lowPortRefusal } from './bind-privilege.js';
import type { TemplatedApp, Uws, us_listen_socket } from './uws.js';

export interface Listening {
  port: number;
  close(): void;
}

const LIBUS_LISTEN_DEFAULT = 0;
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/**
 * `reusePort`: the serving threads of one serve (server.threads > 1) each listen on the same
 * port with SO_REUSEPORT (uSockets' default), and the kernel spreads connections over them.
 * Then nothing stops a second process from joining silently; port-lock.ts keeps one serve per
 * port. Otherwise the listen is exclusive, which refuses a second serve by itself.
 */
export function listen(uws: Uws, app: TemplatedApp, host: string, port: number, what: string, opts: { reusePort?: boolean } = {}): Promise<Listening> {
  return new Promise((resolve, reject) => {
    // Exclusive: uSockets sets SO_REUSEPORT by default, which would let a second serve
    // bind the same port silently and split the traffic (and the outbox) between them.
    const listenWith = app.listen as unknown as (h: string, p: number, options: number, cb: (s: us_listen_socket | false) => void) => void;
    listenWith.call(app, host, port, opts.reusePort ? LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT, (socket: us_listen_socket | false) => {
      if (!socket) return reject(lowPortRefusal(host, port, what) ?? new ClickrelayError('CR_ERR_LISTEN_FAILED', `${what} could not listen on ${host}:${port} (in use by another process, or not an address of this host)`));
      let open = true;
      resolve({
        port: uws.us_socket_local_port(socket as never),
        close: () => {
          if (open) uws.us_listen_socket_close(socket);
          open = false;
        },
      });
    });
  });
}
