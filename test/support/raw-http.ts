/** Raw HTTP over a socket, for what fetch will not send: oversized or malformed requests, HTTP/1.0, pipelining. */
import net from 'node:net';

export function rawRequest(port: number, data: string | Buffer, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('close', done);
    socket.write(data);
  });
}

export function statusOf(response: string): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  return m ? Number(m[1]) : null;
}
