/**
 * A stop closes keep-alive connections itself, so none can deliver a request after the
 * outbox is closed (the end-to-end proof under load is test/e2e/graceful-stop.test.ts).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestService } from '../../support/service.js';

/** One keep-alive connection: send a request, read one answer, keep the socket open. */
function keepAlive(port: number): Promise<{ socket: net.Socket; first: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) resolve({ socket, first: got, closed });
    });
    socket.once('close', () => reject(new Error(`closed before an answer: ${JSON.stringify(got)}`)));
    socket.write('GET /track/lt_other?utm_content=idle HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

describe('stop', () => {
  it('closes idle keep-alive connections, public and admin, and the clicks they made are stored', async () => {
    const s = await startTestService();
    const conns = await Promise.all([keepAlive(s.service.publicPort), keepAlive(s.service.publicPort)]);
    for (const c of conns) expect(c.first).toMatch(/^HTTP\/1\.1 302 /);
    // An admin scraper's keep-alive connection too: its /metrics would read a closed outbox.
    const admin = net.connect(s.service.adminPort, '127.0.0.1');
    const adminClosed = new Promise<void>((r) => admin.once('close', () => r()));
    await new Promise((r) => admin.once('connect', r));

    await s.stop();
    // Before the fix these stayed open: stop() closed only the listen sockets.
    const closedInTime = await Promise.race([
      Promise.all([...conns.map((c) => c.closed), adminClosed]).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 2000)), // a deadline, not a wait: closed promptly is what is tested
    ]);
    expect(closedInTime, 'keep-alive connections closed by the stop').toBe(true);
    expect(s.clicks().filter((c) => c.click.metadata.utm_content === 'idle')).toHaveLength(2);
  });

  it.each(['fail-open', 'fail-closed'])('a keep-alive client sending while the outbox closes gets no redirect for an unstored click (%s)', async (mode) => {
    const s = await startTestService({ CLICKRELAY_OUTBOX_ON_WRITE_ERROR: mode });
    const { socket } = await keepAlive(s.service.publicPort);
    let late = '';
    socket.on('data', (d) => (late += d.toString('latin1')));
    const socketGone = new Promise<void>((r) => socket.once('close', () => r()));
    // The moment that lost clicks: the outbox refuses clicks from the start of its close. The
    // real close runs; the client's request goes out on its kept-alive connection right then.
    const outbox = s.service.outbox;
    const realClose = outbox.close.bind(outbox);
    outbox.close = async () => {
      const closing = realClose();
      if (!socket.destroyed) socket.write('GET /track/lt_other?utm_content=late HTTP/1.1\r\nHost: x\r\n\r\n');
      await Promise.race([socketGone, new Promise((r) => setTimeout(r, 500))]); // a cap: the close goes on once the socket is gone
      await closing;
    };
    await s.stop();
    const stored = s.clicks().filter((c) => c.click.metadata.utm_content === 'late').length;
    expect({ redirected: /^HTTP\/1\.1 302 /.test(late), stored }).not.toEqual({ redirected: true, stored: 0 });
    expect(late, 'the connection was closed before the outbox').toBe('');
  });
});
