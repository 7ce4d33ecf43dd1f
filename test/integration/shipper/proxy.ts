/**
 * A pass-through HTTP proxy in front of the reference main system, for what the reference
 * server has no switch for:
 * - it logs the click_ids of every click request in arrival order, on a clock the test shares
 *   with its own bookkeeping (to prove nothing acknowledged is ever sent again);
 * - `strict400`: a record-clicks batch holding one of these tracking_ids is refused whole with
 *   a 400, as a main system validating all-or-nothing would (the reference one rejects per click);
 * - `hold`: answers are kept back (the main system has stored the clicks, the client has no
 *   answer yet) until released or dropped — the window a crash test kills the client in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';

export interface ProxiedRequest {
  at: number;
  path: string;
  ids: string[];
}

export interface Held {
  ids: string[];
  release(): void;
  drop(): void;
}

export interface Proxy {
  url: string;
  log: ProxiedRequest[];
  strict400: Set<string>;
  /** When set, called with each answered click request instead of relaying the answer. */
  hold: ((h: Held) => void) | null;
  /** Client connections still open: a closed one has had every request it completed logged. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startProxy(upstream: string, clock: () => number = Date.now): Promise<Proxy> {
  const pool = new Pool(upstream, { connections: 32 });
  const sockets = new Set<Socket>();
  const proxy: Proxy = { url: '', log: [], strict400: new Set(), hold: null, openConnections: () => sockets.size, close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const parsed = parseClicks(body);
    proxy.log.push({ at: clock(), path, ids: parsed.map((c) => c.click_id) });
    if (path.endsWith('/record-clicks') && parsed.some((c) => proxy.strict400.has(c.tracking_id))) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Invalid click in batch', timestamp: new Date().toISOString() }));
      return;
    }
    let up;
    try {
      up = await pool.request({
        method: (req.method ?? 'GET') as 'POST',
        path,
        headers: pick(req.headers, ['authorization', 'content-type', 'idempotency-key', 'accept']),
        body: req.method === 'GET' ? null : body,
      });
    } catch {
      req.socket.destroy(); // upstream down or dropped us: so do we
      return;
    }
    let text: string;
    try {
      text = await up.body.text();
    } catch {
      req.socket.destroy();
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      const headers: Record<string, string> = { 'content-type': String(up.headers['content-type'] ?? 'application/json') };
      if (up.headers['retry-after']) headers['retry-after'] = String(up.headers['retry-after']);
      res.writeHead(up.statusCode, headers);
      res.end(text);
    };
    if (proxy.hold && parsed.length > 0) proxy.hold({ ids: parsed.map((c) => c.click_id), release: answer, drop: () => req.socket.destroy() });
    else answer();
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy()));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await pool.destroy();
  };
  return proxy;
}

function parseClicks(body: Buffer): { click_id: string; tracking_id: string }[] {
  try {
    const j = JSON.parse(body.toString('utf8')) as { clicks?: unknown; click_id?: unknown; tracking_id?: unknown };
    const list = Array.isArray(j.clicks) ? (j.clicks as { click_id: string; tracking_id: string }[]) : typeof j.click_id === 'string' ? [j as { click_id: string; tracking_id: string }] : [];
    return list.filter((c) => typeof c?.click_id === 'string');
  } catch {
    return [];
  }
}

function pick(h: IncomingMessage['headers'], keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof h[k] === 'string') out[k] = h[k];
  return out;
}
