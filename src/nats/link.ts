/**
 * One connection to NATS for publishing with acknowledgements, opened when first needed and
 * again after it closed. Every publish carries a reply subject of its own under a private
 * inbox (`_INBOX.<nuid>.<n>`), all answered through ONE wildcard subscription: the client's
 * request() would add a timer and a promise per message, which halves the rate (measured
 * in bench/ship-nats.mjs). A reply no one waits for any more (its batch timed out, the
 * click was sent again under a new reply subject) is dropped.
 *
 * Faults reach the waiting publishes at once, not at their timeout: a disconnect (they may
 * or may not have been stored: sent again, and the stream drops what it already has), a
 * permission violation on our subject or on the inbox, a refused login, the connection's
 * end. While the client is reconnecting nothing is published (it would buffer the messages
 * and flush them, stale, on reconnect): a batch is told to come back later.
 */
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { nats } from './client-lib.js';
import { faultVerdict } from './faults.js';
import { readPubAck } from './pub-ack.js';
import type { PubVerdict } from './verdict.js';

export type Waiter = (v: PubVerdict) => void;

/**
 * How long after a (re)connect "no responders" is taken for a server still loading its
 * streams (a restart, a cluster electing the stream's leader) rather than for a subject no
 * stream captures: sent again, not paused, so a restart does not log CR_ERR_NATS_NO_STREAM.
 */
export const NO_STREAM_GRACE_MS = 5_000;

function settling(v: PubVerdict, upSince: number): PubVerdict {
  if (v.kind !== 'access' || v.error.code !== 'CR_ERR_NATS_NO_STREAM' || performance.now() - upSince >= NO_STREAM_GRACE_MS) return v;
  return { kind: 'retry', reason: 'server_error', detail: `${v.error.message}, just after connecting: the server may still be loading its streams` };
}

export interface Conn {
  nc: NatsConnection;
  /** Publishes one message; `done` gets its verdict, never synchronously. Returns a cancel that forgets the waiter. */
  publish(subject: string, body: string, msgId: string, done: Waiter): () => void;
}

export interface LinkOptions {
  connect: ConnectionOptions;
  subject: string;
  scrub: (s: string) => string;
  /** Longest the handshake after connecting (and prepare) may take. */
  timeoutMs: number;
  /** Runs once on every new connection before it is used (create_stream); a verdict refuses the connection. */
  prepare?: (nc: NatsConnection) => Promise<PubVerdict | null>;
}

export class PublishLink {
  private conn: (Conn & { up: boolean; closed: boolean }) | null = null;
  private opening: Promise<Conn | PubVerdict> | null = null;
  private closing = false;

  constructor(private readonly o: LinkOptions) {}

  /** A connection ready to publish on, or why there is none now. */
  ready(): Promise<Conn | PubVerdict> {
    const c = this.conn;
    if (c && !c.closed) return Promise.resolve(c.up ? c : { kind: 'retry', reason: 'connection', detail: 'reconnecting to the NATS server' });
    if (this.closing) return Promise.resolve({ kind: 'retry', reason: 'connection', detail: 'closed' });
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.opening?.catch(() => undefined);
    const c = this.conn;
    this.conn = null;
    if (c && !c.closed) await c.nc.close().catch(() => undefined);
  }

  private async open(): Promise<Conn | PubVerdict> {
    const { scrub, subject } = this.o;
    let nc: NatsConnection;
    try {
      nc = await nats().connect(this.o.connect);
    } catch (err) {
      return faultVerdict(err, scrub);
    }
    const inbox = nats().createInbox();
    const waiters = new Map<string, Waiter>();
    const failAll = (v: PubVerdict): void => {
      const ws = [...waiters.values()];
      waiters.clear();
      for (const w of ws) w(v);
    };
    let refused: PubVerdict | null = null;
    let upSince = performance.now();
    let n = 0;
    const conn = {
      nc,
      up: true,
      closed: false,
      publish(subj: string, body: string, msgId: string, done: Waiter): () => void {
        if (!conn.up) {
          // A batch still pumping after a disconnect: the client would buffer the message.
          queueMicrotask(() => done({ kind: 'retry', reason: 'connection', detail: 'reconnecting to the NATS server' }));
          return () => undefined;
        }
        const reply = `${inbox}.${++n}`;
        waiters.set(reply, done);
        const h = nats().headers();
        h.set('Nats-Msg-Id', msgId);
        try {
          nc.publish(subj, body, { reply, headers: h });
        } catch (err) {
          // Closed under us, or a payload over the server's max_payload (that message only).
          waiters.delete(reply);
          const v: PubVerdict = /max_payload|payload.*exceed/i.test(String(err)) ? { kind: 'refused', reason: `rejected: ${scrub(String(err)).slice(0, 300)}` } : faultVerdict(err, scrub);
          queueMicrotask(() => done(v));
        }
        return () => waiters.delete(reply);
      },
    };
    nc.subscribe(`${inbox}.*`, {
      callback: (err, m) => {
        if (err) {
          // A refused subscription ends it: no PubAck can arrive on this connection. open()
          // closes it if it is still opening; a connection in use is closed here.
          refused = faultVerdict(err, scrub);
          failAll(refused);
          if (this.conn === conn) void nc.close().catch(() => undefined);
          return;
        }
        const w = waiters.get(m.subject);
        if (w === undefined) return;
        waiters.delete(m.subject);
        w(settling(readPubAck(m, subject, scrub), upSince));
      },
    });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          conn.up = false;
          failAll({ kind: 'retry', reason: 'connection', detail: 'disconnected from the NATS server' });
        } else if (s.type === 'reconnect') {
          conn.up = true;
          upSince = performance.now();
        } else if (s.type === 'error') {
          const e = s.error as Error & { operation?: string; subject?: string };
          const mine = e.name !== 'PermissionViolationError' || e.subject === subject || e.operation === 'subscription';
          if (mine) failAll(faultVerdict(e, scrub));
        }
      }
    })().catch(() => undefined);
    void nc.closed().then((err) => {
      conn.closed = true;
      failAll(err ? faultVerdict(err, scrub) : { kind: 'retry', reason: 'connection', detail: 'the NATS connection closed' });
      if (this.conn === conn) this.conn = null;
    });
    try {
      // The server has seen our SUB once the flush's PONG is back: a refused inbox is known
      // now. Bounded: a server that stopped answering must not hold a delivery for ever.
      await withDeadline(nc.flush(), this.o.timeoutMs);
      if (refused) {
        await nc.close().catch(() => undefined);
        return refused;
      }
      const prepared = this.o.prepare ? await withDeadline(this.o.prepare(nc), this.o.timeoutMs) : null;
      if (prepared) {
        await nc.close().catch(() => undefined);
        return prepared;
      }
    } catch (err) {
      await nc.close().catch(() => undefined);
      return refused ?? faultVerdict(err, scrub);
    }
    if (this.closing) {
      await nc.close().catch(() => undefined);
      return { kind: 'retry', reason: 'connection', detail: 'closed' };
    }
    this.conn = conn;
    return conn;
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer from the NATS server within ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
