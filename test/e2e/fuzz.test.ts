/**
 * Hostile input against a real public listener: random paths (percent-encoding, unicode,
 * traversal), methods, header names and values, X-Forwarded-For chains, HTTP versions and
 * pipelining. Promises checked on every answer: no 5xx, no crash, no header built from
 * input, no input reflected into HTML, and no click recorded except for a well-formed GET
 * of a known, active link.
 *
 * CI runs a fixed seed with a small budget; CLICKRELAY_FUZZ_RUNS=20000 (npm run
 * test:fuzz-long) runs longer, CLICKRELAY_FUZZ_SEED picks another seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/raw-http.js';
import { startTestService, type TestService } from '../support/service.js';

const RUNS = Number(process.env.CLICKRELAY_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.CLICKRELAY_FUZZ_SEED ?? 20261127);
const MARK = 'ZqX9'; // embedded in every generated value, to spot reflection

let s: TestService;
let port: number;
beforeAll(async () => {
  s = await startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32' });
  port = Number(new URL(s.base).port);
});
afterAll(async () => {
  await s.stop();
});

const KNOWN = ['lt_test123456789', 'lt_other', 'lt_inactive'];
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((t) => encodeURIComponent(t)),
  fc.constantFrom('../../etc/passwd', '%2e%2e%2f', '<script>alert(1)</script>', '"><img src=x>', '\r\nSet-Cookie: a=b', '%0d%0aLocation:%20http://evil', '=cmd|calc', '\u0000', '\u202e'),
);
const path = fc.oneof(
  fc.tuple(fc.constantFrom(...KNOWN), fc.option(anyText)).map(([id, q]) => `/track/${id}${q === null ? '' : `?${q}${MARK}`}`),
  anyText.map((t) => `/track/${t}${MARK}`),
  anyText.map((t) => `/${t}${MARK}`),
  fc.constantFrom('/track/', '/track', '//track/lt_other', '/track/lt_other/', '/TRACK/lt_other', '/track/lt_other#frag', '*'),
);
const header = fc.tuple(fc.oneof(token, fc.constantFrom('X-Forwarded-For', 'X-Real-IP', 'Referer', 'User-Agent', 'DNT', 'Sec-GPC', 'Accept', 'Host')), anyText).map(([n, v]) => [n, `${v}${MARK}`] as const);
const xff = fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), anyText), { maxLength: 6 }).map((a) => ['X-Forwarded-For', a.join(', ')] as const);
const request = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'), token),
  path,
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 junk'),
  headers: fc.array(fc.oneof(header, xff), { maxLength: 8 }),
  pipelined: fc.boolean(),
  body: fc.option(fc.string({ maxLength: 100 })),
});

/** The request as bytes; a string is written as UTF-8, so unicode reaches the parser raw. */
type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function render(r: Req): string {
  const head = [`${r.method} ${r.path} ${r.version}`, 'Host: fuzz', ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  const body = r.body ?? '';
  if (body) head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const one = `${head.join('\r\n')}\r\n\r\n${body}`;
  return r.pipelined ? `${one}GET /track/lt_other HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n` : `${one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')}`;
}

describe('hostile input on the public listener', () => {
  it('never crashes, never answers 5xx, never builds a header from input, never reflects into HTML', async () => {
    const before = s.clicks().length;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        if (process.env.FUZZ_TRACE) (await import('node:fs')).appendFileSync(process.env.FUZZ_TRACE, JSON.stringify(render(r)) + '\n');
        const raw = await rawRequest(port, render(r), 400);
        const responses = raw.split(/(?=HTTP\/1\.1 \d{3} )/).filter((x) => x.startsWith('HTTP/1.1 '));
        for (const res of responses) {
          const status = Number(res.slice(9, 12));
          expect(status, res.slice(0, 200)).toBeLessThan(500);
          const [head, ...bodyParts] = res.split('\r\n\r\n');
          const body = bodyParts.join('\r\n\r\n');
          expect(head, 'a header carries request input').not.toContain(MARK);
          expect(head).not.toMatch(/set-cookie/i);
          if (/content-type: text\/html/i.test(head!)) {
            expect(body).not.toContain(MARK);
            expect(body).not.toMatch(/<script|<img/i);
          }
          if (status === 302) expect(head).toMatch(/\r\nLocation: https:\/\/(linkedin\.com\/in\/steve-glen|example\.com\/path\?x=1)\r\n/);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The server is still up, and only well-formed GETs of active links (plus the
    // pipelined follow-ups) can have been recorded.
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
    const added = s.clicks().slice(before);
    for (const c of added) expect(['lt_test123456789', 'lt_other']).toContain(c.click.tracking_id);
    for (const c of added) expect(JSON.stringify(c.click)).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(s.logs.filter((l) => l.event === 'request_failed')).toEqual([]);
  }, 300_000);
});
