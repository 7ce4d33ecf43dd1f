/** Listen on host:port (0 = any free port) and report the real port; close by listen socket. */
import { ClickrelayError } from '../errors.js';
import { lowPortRefusal } from './bind-privilege.js';
import type { TemplatedApp, Uws, us_listen_socket } from './uws.js';

export interface Listening {
  port: number;
  close(): void;
}

const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

export function listen(uws: Uws, app: TemplatedApp, host: string, port: number, what: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    // Exclusive: uSockets sets SO_REUSEPORT by default, which would let a second serve
    // bind the same port silently and split the traffic (and the outbox) between them.
    const listenExclusive = app.listen as unknown as (h: string, p: number, options: number, cb: (s: us_listen_socket | false) => void) => void;
    listenExclusive.call(app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket: us_listen_socket | false) => {
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
