import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../support/ref-main-system/faults.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';

const KEY = 'ref-key';
let ms: RefMainSystem;
beforeEach(async () => {
  ms = await startRefMainSystem({ apiKey: KEY });
});
afterEach(async () => {
  await ms.close();
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown, key = KEY) {
  const res = await request(ms.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, headers: res.headers, json: json as Record<string, any> };
}
const click = (over: Record<string, unknown> = {}) => ({ tracking_id: 'lt_a', clicked_at: '2025-07-27T21:15:30Z', click_source: 'email', ...over });

describe('reference main system', () => {
  it('answers 401 with the guide\'s error shape to a missing or wrong key', async () => {
    const r = await call('GET', '/api/link-tracking/links', undefined, 'wrong');
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: 'Unauthorized', timestamp: expect.any(String) });
  });

  it('pages the listing by cursor with an ETag that names the whole listing version', async () => {
    ms.addLinks([1, 2, 3, 4, 5].map((i) => ({ tracking_id: `lt_${i}`, original_url: `https://e.example/${i}` })));
    const p1 = await call('GET', '/api/link-tracking/links?limit=2');
    expect(p1.json.links.map((l: any) => l.tracking_id)).toEqual(['lt_1', 'lt_2']);
    expect(p1.json.links[0]).toMatchObject({ is_active: true, link_function: 'Test' });
    const p2 = await call('GET', `/api/link-tracking/links?cursor=${p1.json.next_cursor}&limit=2`);
    const p3 = await call('GET', `/api/link-tracking/links?cursor=${p2.json.next_cursor}&limit=2`);
    expect(p3.json).toMatchObject({ links: [{ tracking_id: 'lt_5' }], next_cursor: null });
    const etag = p1.headers['etag'] as string;
    const again = await request(ms.url + '/api/link-tracking/links', { headers: { authorization: `Bearer ${KEY}`, 'if-none-match': etag } });
    await again.body.dump();
    expect(again.statusCode).toBe(304);
    ms.removeLink('lt_5');
    const changed = await request(ms.url + '/api/link-tracking/links', { headers: { authorization: `Bearer ${KEY}`, 'if-none-match': etag } });
    await changed.body.dump();
    expect(changed.statusCode).toBe(200);
  });

  it('serves the guide\'s analytics answer, and its 404 shape', async () => {
    ms.setLink({ tracking_id: 'lt_a', original_url: 'https://e.example/a', description: 'x' });
    await call('POST', '/api/link-tracking/record-click', click({ session_id: 's1' }));
    const r = await call('GET', '/api/link-tracking/analytics/lt_a');
    expect(r.json).toMatchObject({
      link_info: { tracking_id: 'lt_a', original_url: 'https://e.example/a', is_active: true, description: 'x' },
      click_statistics: { total_clicks: 1, unique_sessions: 1, first_click: '2025-07-27T21:15:30Z' },
    });
    const nf = await call('GET', '/api/link-tracking/analytics/lt_nope');
    expect(nf.status).toBe(404);
    expect(nf.json).toMatchObject({ error: 'Link not found or expired', tracking_id: 'lt_nope', timestamp: expect.any(String) });
  });

  it('records a click once per click_id: a repeat answers "duplicate" and stores nothing', async () => {
    const first = await call('POST', '/api/link-tracking/record-click', click({ click_id: 'c-1' }));
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ click_id: 'c-1', tracking_id: 'lt_a', status: 'recorded' });
    const again = await call('POST', '/api/link-tracking/record-click', click({ click_id: 'c-1' }));
    expect(again.json).toMatchObject({ click_id: 'c-1', status: 'duplicate' });
    expect(ms.clickCount()).toBe(1);
    expect(ms.clicks()[0]).toMatchObject({ click_id: 'c-1', via: 'single', click_source: 'email' });
  });

  it('answers 400 with required_fields when tracking_id or clicked_at is missing', async () => {
    const r = await call('POST', '/api/link-tracking/record-click', { tracking_id: 'lt_a' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'Missing required field: clicked_at', required_fields: ['tracking_id', 'clicked_at'] });
  });

  it('records a batch with a result per click: recorded, duplicate, rejected (missing field, poison id)', async () => {
    ms.faults.poisonTrackingIds.add('lt_poison');
    await call('POST', '/api/link-tracking/record-click', click({ click_id: 'old' }));
    const r = await call('POST', '/api/link-tracking/record-clicks', {
      clicks: [click({ click_id: 'b1' }), click({ click_id: 'old' }), { click_id: 'b3', tracking_id: 'lt_a' }, click({ click_id: 'b4', tracking_id: 'lt_poison' }), click({ click_id: 'b1' })],
    });
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([
      { click_id: 'b1', status: 'recorded' },
      { click_id: 'old', status: 'duplicate' },
      { click_id: 'b3', status: 'rejected', error: 'Missing required field: clicked_at' },
      { click_id: 'b4', status: 'rejected', error: 'Rejected tracking_id' },
      { click_id: 'b1', status: 'duplicate' },
    ]);
    expect(ms.clicks().map((c) => c.click_id)).toEqual(['old', 'b1']);
  });

  it('can pretend not to know record-clicks (404), to exercise the batch → single fallback', async () => {
    ms.faults.notFoundRoutes.add('record-clicks');
    expect((await call('POST', '/api/link-tracking/record-clicks', { clicks: [click()] })).status).toBe(404);
    expect((await call('POST', '/api/link-tracking/record-click', click())).status).toBe(201);
  });

  it('answers 413 to a batch over faults.maxBatch', async () => {
    ms.faults.maxBatch = 2;
    expect((await call('POST', '/api/link-tracking/record-clicks', { clicks: [click(), click(), click()] })).status).toBe(413);
    expect(ms.clickCount()).toBe(0);
  });

  it('dropAfterStore stores the batch, then drops the connection without answering', async () => {
    ms.faults.dropAfterStore = { count: 1 };
    await expect(call('POST', '/api/link-tracking/record-clicks', { clicks: [click({ click_id: 'd1' })] })).rejects.toThrow();
    expect(ms.clickCount()).toBe(1);
    expect(ms.requestLog.entries[0]).toMatchObject({ route: 'record-clicks', dropped: true, status: 0 });
    // the retry is then a duplicate
    const retry = await call('POST', '/api/link-tracking/record-clicks', { clicks: [click({ click_id: 'd1' })] });
    expect(retry.json.results).toEqual([{ click_id: 'd1', status: 'duplicate' }]);
  });

  it('dropBeforeStore drops the connection and stores nothing', async () => {
    ms.faults.dropBeforeStore = { count: 1 };
    await expect(call('POST', '/api/link-tracking/record-click', click())).rejects.toThrow();
    expect(ms.clickCount()).toBe(0);
  });

  it('answers 429 with Retry-After, and 5xx, for as many requests as asked', async () => {
    ms.faults.status429 = { count: 1, retryAfter: 7 };
    const r = await call('POST', '/api/link-tracking/record-click', click());
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    ms.faults.status5xx = { count: 2, status: 503, routes: ['record-click'] };
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await call('POST', '/api/link-tracking/record-click', click())).status);
    expect(codes).toEqual([503, 503, 201]);
    expect(ms.requestLog.byRoute()).toEqual({ 'record-click': 4 });
  });

  it('fires rate-based faults reproducibly from its seed', async () => {
    const draws = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    const run = async (): Promise<number[]> => {
      ms.faults.seed(7);
      ms.faults.status5xx = { rate: 0.5 };
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call('GET', '/api/link-tracking/analytics/lt_x')).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(404);
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    const port = ms.port;
    await ms.setDown(true);
    await expect(call('GET', '/api/link-tracking/links')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await ms.setDown(false);
    expect(ms.port).toBe(port);
    expect((await call('GET', '/api/link-tracking/links')).status).toBe(200);
  });

  it('runs as a process from main.mjs with seeded sample links', async () => {
    const main = fileURLToPath(new URL('../../support/ref-main-system/main.mjs', import.meta.url));
    const child = spawn(process.execPath, [main, '--key', 'k2', '--port', '0', '--links', '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    const info = JSON.parse(line) as { url: string; links: number };
    expect(info.links).toBe(2000);
    const res = await request(info.url + '/api/link-tracking/links?limit=3', { headers: { authorization: 'Bearer k2' } });
    const body = (await res.body.json()) as { links: Array<{ tracking_id: string; is_active: boolean }> };
    expect(body.links.map((l) => l.tracking_id)).toEqual(['lt_seed_0000001', 'lt_seed_0000002', 'lt_seed_0000003']);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
