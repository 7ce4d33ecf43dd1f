/** Listen on host:port (0 = any free port) and report the real port; close by listen socket. */
import { ClickrelayError } from '../errors.js';
import type { TemplatedApp, Uws, us_listen_socket } from './uws.js';

export interface Listening {
  port: number;
  close(): void;
}

export function listen(uws: Uws, app: TemplatedApp, host: string, port: number, what: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) return reject(new ClickrelayError('CR_ERR_LISTEN_FAILED', `${what} could not listen on ${host}:${port}`));
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
