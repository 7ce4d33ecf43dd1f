/**
 * One conversion from the outbox to the wire: the metadata bytes a main system receives are
 * the bytes the outbox stored (plus the spliced anonymous flag), not a re-serialisation of a
 * parsed copy. A real outbox, the real shipper and HTTP click sink, and a plain HTTP server
 * that keeps the raw request bodies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { httpClickSink } from '../../../src/main-system/http/click-sink.js';
import type { Outbox } from '../../../src/outbox/index.js';
import { createShipper } from '../../../src/shipper/index.js';
import { API_KEY, click, openOutbox, record, removeDir, tempDir } from './helpers.js';

let server: Server | null = null;
let outbox: Outbox | null = null;
let dir = '';
afterEach(async () => {
  await outbox?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = outbox = null;
  if (dir) removeDir(dir);
});

/** Answers every record-clicks as recorded; keeps each raw body. */
async function captureServer(bodies: string[]): Promise<string> {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      bodies.push(raw);
      const ids = [...raw.matchAll(/"click_id":"([^"]+)"/g)].map((m) => m[1]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: ids.map((id) => ({ click_id: id, status: 'recorded' })) }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('a stored click on the wire', () => {
  it('carries the stored metadata bytes unchanged (anonymous: the flag spliced in before the closing brace)', async () => {
    const bodies: string[] = [];
    const url = await captureServer(bodies);
    dir = tempDir();
    outbox = await openOutbox(dir);
    const plain = click('lt_a', { metadata: { utm_source: 'ne"ws\\letter ü 😀', utm_campaign: 'spring', bot: true, country: 'DE' } });
    const anon = click('lt_b', { anonymous: true, ip_address: null, metadata: { utm_medium: 'email' } });
    const empty = click('lt_c', { anonymous: true, metadata: {} });
    await record(outbox, [plain, anon, empty]);
    const storedText = new Map((await outbox.takePending(10, 1_000_000)).map((r) => [r.click.click_id, r.click.metadata]));

    const shipper = createShipper({
      outbox,
      sink: httpClickSink({ baseUrl: url, apiKey: new ApiKey(API_KEY, 'test'), timeoutMs: 2_000, connections: 1 }),
      mode: 'batch',
      batchSize: 10,
      lingerMs: 0,
      concurrency: 1,
      maxBackoffMs: 100,
    });
    try {
      expect(await shipper.drain({ timeoutMs: 5_000 })).toEqual({ pending: 0, dead_letter: 0, paused: false });
    } finally {
      await shipper.stop({ graceMs: 0 });
    }
    expect(bodies).toHaveLength(1);
    const body = bodies[0]!;
    const p = storedText.get(plain.click_id)!;
    expect(body).toContain(`"click_source":"email","metadata":${p}}`);
    expect(body).toContain(`"metadata":${storedText.get(anon.click_id)!.slice(0, -1)},"anonymous":true}}`);
    expect(body).toContain(`"metadata":{"anonymous":true}}`);
    expect(storedText.get(empty.click_id)).toBe('{}');
    // and it is still JSON the main system reads as the click
    const sent = (JSON.parse(body) as { clicks: { click_id: string; metadata: unknown }[] }).clicks;
    expect(sent.find((c) => c.click_id === plain.click_id)!.metadata).toEqual(plain.metadata);
  });
});
