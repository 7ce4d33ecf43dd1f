/**
 * The reference main system's HTTP API: the integration guide's calls plus the
 * contract's two extensions, with the guide's error shapes.
 *
 *   GET  /api/link-tracking/links?cursor=&limit=   → {"links":[...], "next_cursor"}  (ETag, 304)
 *   GET  /api/link-tracking/analytics/{id}         → {"link_info", "click_statistics"} | 404
 *   POST /api/link-tracking/record-click           → {"click_id", ..., "status":"recorded"|"duplicate"}
 *   POST /api/link-tracking/record-clicks          → {"results":[{"click_id","status","error"?}]}
 *
 * Every call needs `Authorization: Bearer <key>` (401 otherwise).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults, RouteName } from './faults.js';
import type { RefStore } from './store.js';

export interface LoggedRequest {
  method: string;
  path: string;
  route: RouteName;
  /** HTTP status answered; 0 when the connection was dropped (or the client went away first). */
  status: number;
  dropped: boolean;
  at: number;
}

const PREFIX = '/api/link-tracking/';
const MAX_BODY = 16 * 1024 * 1024;
const MAX_LIMIT = 10_000;
const DEFAULT_LIMIT = 1_000;

export function classify(method: string, pathname: string): { route: RouteName; id?: string } {
  if (!pathname.startsWith(PREFIX)) return { route: 'other' };
  const rest = pathname.slice(PREFIX.length);
  if (method === 'GET' && rest === 'links') return { route: 'links' };
  if (method === 'POST' && rest === 'record-click') return { route: 'record-click' };
  if (method === 'POST' && rest === 'record-clicks') return { route: 'record-clicks' };
  if (method === 'GET' && rest.startsWith('analytics/') && rest.length > 'analytics/'.length && !rest.slice(10).includes('/')) {
    return { route: 'analytics', id: decodeURIComponent(rest.slice('analytics/'.length)) };
  }
  return { route: 'other' };
}

export function createHandler(store: RefStore, faults: Faults, apiKey: string, log: LoggedRequest[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://ref.invalid');
    const method = req.method ?? 'GET';
    const { route, id } = classify(method, url.pathname);
    const entry: LoggedRequest = { method, path: url.pathname, route, status: 0, dropped: false, at: Date.now() };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const drop = (): void => {
      entry.dropped = true;
      req.socket.destroy();
    };

    const delay = faults.delayFor(route);
    if (delay > 0) await sleep(delay); // the slow-main-system fault: elapsed time is the fault
    if (res.destroyed) return; // the client gave up while we dawdled
    if (faults.fires(faults.dropBeforeStore, route)) return drop();
    if (faults.fires(faults.unauthorized, route) || req.headers.authorization !== `Bearer ${apiKey}`) {
      return json(res, 401, { error: 'Unauthorized', message: 'Missing or invalid API key', timestamp: now() });
    }
    if (route === 'other' || faults.notFoundRoutes.has(route)) {
      return json(res, 404, { error: 'Not found', path: url.pathname, timestamp: now() });
    }
    const r429 = faults.status429;
    if (r429 && faults.fires(r429, route)) {
      res.setHeader('retry-after', String(r429.retryAfter ?? 1));
      return json(res, 429, { error: 'Too many requests', timestamp: now() });
    }
    const r5xx = faults.status5xx;
    if (r5xx && faults.fires(r5xx, route)) {
      return json(res, r5xx.status ?? 500, { error: 'Internal server error', message: 'Injected fault', timestamp: now() });
    }
    if (faults.fires(faults.garbage, route)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"links": [{"tracking_id": "lt_oops", <html>Bad Gateway</html>');
      return;
    }

    try {
      switch (route) {
        case 'links':
          return links(req, res, url, store, faults);
        case 'analytics':
          return analytics(res, store, id ?? '');
        case 'record-click':
        case 'record-clicks': {
          const body = await readJson(req, res);
          if (body === undefined) return;
          const answer = route === 'record-click' ? recordClick(body, store, faults) : recordClicks(body, store, faults);
          if (faults.fires(faults.dropAfterStore, route)) return drop();
          return json(res, answer.status, answer.body);
        }
      }
    } catch (err) {
      return json(res, 500, { error: 'Internal server error', message: (err as Error).message, timestamp: now() });
    }
  };
}

function links(req: IncomingMessage, res: ServerResponse, url: URL, store: RefStore, faults: Faults): void {
  const empty = faults.fires(faults.emptyListing, 'links');
  const drift = !empty && faults.fires(faults.driftIsActive, 'links');
  // A faulty listing is another version of it: its own ETag, so a client's If-None-Match
  // for the good one does not turn it into a 304.
  const etag = empty ? `"${store.epoch}-empty"` : drift ? `"${store.epoch}-${store.version}-drift"` : store.etag;
  // The ETag names the whole listing's version, so a match on any page means "unchanged".
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag });
    res.end();
    return;
  }
  res.setHeader('etag', etag);
  if (empty) return json(res, 200, { links: [], next_cursor: null });
  const limitRaw = url.searchParams.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? DEFAULT_LIMIT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1) return json(res, 400, { error: 'Invalid limit', timestamp: now() });
  const cursorRaw = url.searchParams.get('cursor');
  let after: string | null = null;
  if (cursorRaw) {
    after = Buffer.from(cursorRaw, 'base64url').toString('utf8');
    if (after.startsWith('endless:')) return json(res, 200, { links: [], next_cursor: endlessCursor(Number(after.slice(8)) + 1) });
    if (!after.startsWith('after:')) return json(res, 400, { error: 'Invalid cursor', timestamp: now() });
    after = after.slice('after:'.length);
  }
  const page = store.listLinks(after, Math.min(limit, MAX_LIMIT));
  const next_cursor = page.more && page.last !== null
    ? Buffer.from('after:' + page.last).toString('base64url')
    : faults.endlessCursors ? endlessCursor(1) : null;
  const served = drift ? page.links.map(driftRow) : page.links;
  json(res, 200, { links: served, next_cursor });
}

const endlessCursor = (n: number): string => Buffer.from(`endless:${n}`).toString('base64url');

/** `is_active` as the string a drifted serializer sends; anything else untouched. */
function driftRow(l: unknown): unknown {
  if (typeof l !== 'object' || l === null || typeof (l as { is_active?: unknown }).is_active !== 'boolean') return l;
  return { ...l, is_active: String((l as { is_active: boolean }).is_active) };
}

function analytics(res: ServerResponse, store: RefStore, id: string): void {
  const link = store.getLink(id);
  if (!link) return json(res, 404, { error: 'Link not found or expired', tracking_id: id, timestamp: now() });
  json(res, 200, { link_info: link, click_statistics: store.clickStats(id) });
}

type Answer = { status: number; body: unknown };
const REQUIRED = ['tracking_id', 'clicked_at'] as const;

function missingField(c: unknown): string | null {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'tracking_id';
  for (const f of REQUIRED) {
    const v = (c as Record<string, unknown>)[f];
    if (typeof v !== 'string' || v === '') return f;
  }
  return null;
}

function recordClick(body: unknown, store: RefStore, faults: Faults): Answer {
  const missing = missingField(body);
  if (missing) return { status: 400, body: { error: `Missing required field: ${missing}`, required_fields: [...REQUIRED], timestamp: now() } };
  const c = body as Record<string, unknown>;
  if (faults.poisonTrackingIds.has(String(c['tracking_id']))) {
    return { status: 422, body: { error: 'Rejected tracking_id', tracking_id: c['tracking_id'], timestamp: now() } };
  }
  const [r] = store.storeClicks([c], 'single');
  return {
    status: r!.status === 'recorded' ? 201 : 200,
    body: { click_id: r!.click_id, tracking_id: c['tracking_id'], clicked_at: c['clicked_at'], click_source: c['click_source'] ?? null, status: r!.status },
  };
}

function recordClicks(body: unknown, store: RefStore, faults: Faults): Answer {
  const clicks = (body as { clicks?: unknown } | null)?.clicks;
  if (!Array.isArray(clicks)) return { status: 400, body: { error: 'Missing required field: clicks', required_fields: ['clicks'], timestamp: now() } };
  if (faults.maxBatch !== null && clicks.length > faults.maxBatch) {
    return { status: 413, body: { error: 'Payload too large', max_clicks: faults.maxBatch, timestamp: now() } };
  }
  // Validate first, store the good ones in one transaction, then answer in request order.
  const results: Array<{ click_id: string; status: string; error?: string } | null> = [];
  const good: Array<Record<string, unknown>> = [];
  const goodAt: number[] = [];
  const seenInBatch = new Set<string>();
  clicks.forEach((c: unknown, i) => {
    const cid = typeof (c as Record<string, unknown> | null)?.['click_id'] === 'string' ? String((c as Record<string, unknown>)['click_id']) : '';
    const missing = missingField(c);
    if (missing) return results.push({ click_id: cid, status: 'rejected', error: `Missing required field: ${missing}` });
    const rec = c as Record<string, unknown>;
    if (faults.poisonTrackingIds.has(String(rec['tracking_id']))) return results.push({ click_id: cid, status: 'rejected', error: 'Rejected tracking_id' });
    if (cid !== '' && seenInBatch.has(cid)) return results.push({ click_id: cid, status: 'duplicate' });
    if (cid !== '') seenInBatch.add(cid);
    results.push(null);
    good.push(rec);
    goodAt.push(i);
  });
  const stored = store.storeClicks(good, 'batch');
  stored.forEach((s, k) => {
    results[goodAt[k]!] = s;
  });
  return { status: 200, body: { results } };
}

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      json(res, 413, { error: 'Payload too large', timestamp: now() });
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    json(res, 400, { error: 'Invalid JSON body', timestamp: now() });
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const now = (): string => new Date().toISOString();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
