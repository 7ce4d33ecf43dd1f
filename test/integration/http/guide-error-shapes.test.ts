/**
 * The guide's "Server Error (500)" on the public listener: a bug while answering a /track
 * request costs that request a 500 `{"error","message","timestamp"}` (or the HTML page), with
 * a fixed message and never the exception's text or stack, and the listener keeps serving.
 * A bug cannot be produced through the real service, so the real public app runs on a real
 * uWS listener with a lookup that throws; everything else is the production code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/listen.js';
import { createPublicApp } from '../../../src/http/public/public-app.js';
import { loadUws } from '../../../src/http/uws.js';

const SECRET_DETAIL = 'TypeError at /srv/clickrelay/secret-path.ts:42';

let server: Listening;
const errors: unknown[] = [];
const answers: number[] = [];
beforeAll(async () => {
  const { uws } = loadUws({ allowJsFallback: false });
  const app = createPublicApp({
    uws,
    tls: null,
    lookup: (id) => {
      if (id === 'lt_bug') throw new Error(SECRET_DETAIL);
      return id === 'lt_ok' ? { url: 'https://example.com/', active: true } : undefined;
    },
    record: () => 'answered',
    clientIp: (peer) => peer,
    redirectStatus: 302,
    referrerPolicy: 'no-referrer',
    failClosed: false,
    onAnswer: (status) => answers.push(status),
    onError: (err) => errors.push(err),
  });
  server = await listen(uws, app, '127.0.0.1', 0, 'test listener');
});
afterAll(() => server.close());

const base = () => `http://127.0.0.1:${server.port}`;

describe('public listener, an unexpected error while answering', () => {
  it('answers the guide\'s 500 shape with a fixed message, no detail, and keeps serving', async () => {
    const r = await fetch(`${base()}/track/lt_bug`, { headers: { Accept: 'application/json' }, redirect: 'manual' });
    expect(r.status).toBe(500);
    const text = await r.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'message', 'timestamp']);
    expect(body).toStrictEqual({ error: 'Internal server error', message: 'Unexpected server fault; the service log has the details', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    expect(text).not.toContain('secret-path');
    expect(text).not.toContain('TypeError');
    expect((errors[0] as Error).message).toBe(SECRET_DETAIL); // the detail went to onError (the log)
    expect(answers.at(-1)).toBe(500);

    const page = await fetch(`${base()}/track/lt_bug`, { headers: { Accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(500);
    const html = await page.text();
    expect(html).toContain('Something went wrong');
    expect(html).not.toContain('secret-path');

    expect((await fetch(`${base()}/track/lt_ok`, { redirect: 'manual' })).status).toBe(302);
  });

  it('every 16th request is timed for the response-time metric, and only /track requests', async () => {
    const before = answers.length;
    const timed: number[] = [];
    const app = createPublicApp({
      uws: loadUws({ allowJsFallback: false }).uws,
      tls: null,
      lookup: () => ({ url: 'https://example.com/', active: true }),
      record: () => 'answered',
      clientIp: (peer) => peer,
      redirectStatus: 302,
      referrerPolicy: 'no-referrer',
      failClosed: false,
      onAnswer: (_status, startedAt) => startedAt !== 0 && timed.push(startedAt),
      onError: () => undefined,
    });
    const l = await listen(loadUws({ allowJsFallback: false }).uws, app, '127.0.0.1', 0, 'timing listener');
    try {
      for (let i = 0; i < 32; i++) await fetch(`http://127.0.0.1:${l.port}/track/lt_ok`, { redirect: 'manual' });
      for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${l.port}/elsewhere`);
      expect(timed).toHaveLength(2);
      expect(timed.every((t) => t > 0 && t <= performance.now())).toBe(true);
    } finally {
      l.close();
    }
    expect(answers.length).toBe(before); // the other app's counters were not touched
  });
});
