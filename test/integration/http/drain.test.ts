/**
 * The public app's part of a stop (drain.ts), on a real uWS listener: the record port is
 * held by the test, so "a redirect still waiting for its commit" is a state, not a race.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawClick } from '../../../src/privacy/index.js';
import { CLOSED, ConnectionDrain, DRAINING } from '../../../src/http/drain.js';
import { listen, type Listening } from '../../../src/http/listen.js';
import { createPublicApp } from '../../../src/http/public/public-app.js';
import { loadUws, type TemplatedApp } from '../../../src/http/uws.js';
import { waitFor } from '../../support/wait-for.js';

const { uws } = loadUws({ allowJsFallback: false });

interface Held {
  click: RawClick;
  done: (err: Error | null) => void;
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

async function start(mirrorLoaded = () => true): Promise<{ app: TemplatedApp; drain: ConnectionDrain; held: Held[]; port: number; listening: Listening }> {
  const held: Held[] = [];
  const drain = new ConnectionDrain();
  const app = createPublicApp({
    uws,
    tls: null,
    lookup: (id) => (id === 'lt_known' ? { url: 'https://example.com/', active: true } : undefined),
    record: (click, done) => {
      held.push({ click, done });
      return 'wait';
    },
    clientIp: (peer) => peer,
    redirectStatus: 302,
    referrerPolicy: 'no-referrer',
    failClosed: false,
    onAnswer: () => undefined,
    onError: (err) => {
      throw err;
    },
    drain,
    mirrorLoaded,
  });
  const listening = await listen(uws, app, '127.0.0.1', 0, 'test listener');
  cleanup = () => {
    listening.close();
    drain.close([app]);
  };
  return { app, drain, held, port: listening.port, listening };
}

/** A raw keep-alive connection that collects everything it is sent. */
function connection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  const c = {
    socket,
    received: '',
    closed: new Promise<void>((r) => socket.once('close', () => r())),
    isClosed: false,
    send: (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`),
  };
  socket.on('data', (d) => (c.received += d.toString('latin1')));
  socket.on('error', () => undefined);
  void c.closed.then(() => (c.isClosed = true));
  return c;
}

const until = (what: string, cond: () => boolean) => waitFor(what, cond, { stepMs: 5 });

describe('draining the public listener', () => {
  it('waits for redirects waiting on their commit, answers them and later requests with Connection: close, then closes idle connections', async () => {
    const { app, drain, held, port, listening } = await start();
    const waiting = connection(port);
    const idle = connection(port);
    const busy = connection(port);
    idle.send('/track/lt_known?n=idle');
    await until('the first click', () => held.length === 1);
    held[0]!.done(null);
    await until('the idle answer', () => idle.received.includes('\r\n\r\n'));
    expect(idle.received).not.toMatch(/connection: close/i); // kept alive while open
    waiting.send('/track/lt_known?n=waiting');
    await until('the waiting click', () => held.length === 2);

    listening.close();
    let settled = false;
    const drained = drain.drain(5000).then(() => (settled = true));
    expect(drain.state).toBe(DRAINING);
    // A keep-alive client sends on its connection after the stop began: still recorded, told to go.
    busy.send('/track/lt_known?n=busy');
    await until('the busy click', () => held.length === 3);
    // Elapsed time is the thing here: the drain must NOT settle while answers are pending, and
    // no event marks something that does not happen; 50 ms gives it every chance to.
    await new Promise((r) => setTimeout(r, 50));
    expect(settled, 'the drain waits for the answers still pending').toBe(false);
    held[1]!.done(null);
    held[2]!.done(null);
    await drained;
    for (const c of [waiting, busy]) {
      await c.closed;
      expect(c.received).toMatch(/^HTTP\/1\.1 302 Found\r\n/);
      expect(c.received).toMatch(/\r\nConnection: close\r\n/i);
    }
    expect(idle.isClosed, 'an idle connection stays until the sockets are closed').toBe(false);
    drain.close([app]);
    expect(drain.state).toBe(CLOSED);
    await idle.closed;
    cleanup = null;
  });

  it('gives up on an answer that never comes after the grace, and closing aborts it unanswered', async () => {
    const { app, drain, held, port, listening } = await start();
    const stuck = connection(port);
    stuck.send('/track/lt_known?n=stuck');
    await until('the click', () => held.length === 1);
    listening.close();
    const t0 = Date.now();
    await drain.drain(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    drain.close([app]);
    await stuck.closed;
    held[0]!.done(null); // the commit lands after the abort: nothing is written to a dead response
    expect(stuck.received).toBe('');
    expect(drain.pending).toBe(0);
    cleanup = null;
  });

  it('before the first mirror is loaded, an unknown id gets 503 with Retry-After, never 404', async () => {
    let loaded = false;
    const { port } = await start(() => loaded);
    const ask = async () => fetch(`http://127.0.0.1:${port}/track/lt_maybe`, { redirect: 'manual', headers: { accept: 'application/json' } });
    const cold = await ask();
    expect(cold.status).toBe(503);
    expect(cold.headers.get('retry-after')).toBe('1');
    expect(((await cold.json()) as { tracking_id: string }).tracking_id).toBe('lt_maybe');
    loaded = true;
    expect((await ask()).status).toBe(404);
  });
});
