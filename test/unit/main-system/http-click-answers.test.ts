import { describe, expect, it } from 'vitest';
import { classify, errorText, isShedding } from '../../../src/main-system/http/click-answers.js';

const answer = (status: number, body = '', retryAfter?: string) => classify({ kind: 'answer', status, body, retryAfter }, 0);

describe('what an answer means for its clicks', () => {
  it('takes every 2xx as answered', () => {
    for (const s of [200, 201, 202, 207]) expect(answer(s, '{}').kind).toBe('ok');
  });

  it('retries 408, 429 and every 5xx but 501', () => {
    expect(answer(408)).toMatchObject({ kind: 'retry', reason: 'request_timeout', status: 408 });
    expect(answer(429, '', '7')).toMatchObject({ kind: 'retry', reason: 'rate_limited', retryAfterMs: 7_000 });
    for (const s of [500, 502, 503, 504, 599]) expect(answer(s)).toMatchObject({ kind: 'retry', reason: 'server_error', status: s });
  });

  it('pauses on 401 and 403: a wrong key is not the clicks\' fault', () => {
    expect(answer(401)).toEqual({ kind: 'unauthorized', status: 401 });
    expect(answer(403)).toEqual({ kind: 'unauthorized', status: 403 });
  });

  it('splits on 413', () => {
    expect(answer(413).kind).toBe('too_large');
  });

  it('reads 404, 405 and 501 as "no such endpoint"', () => {
    for (const s of [404, 405, 501]) expect(answer(s).kind).toBe('no_route');
  });

  it('refuses for good on any other 4xx, with the main system\'s words', () => {
    for (const s of [400, 409, 410, 415, 422, 451]) expect(answer(s).kind).toBe('refused');
    expect(answer(400, '{"error":"Missing required field: tracking_id","required_fields":["tracking_id"]}')).toMatchObject({
      detail: 'HTTP 400: Missing required field: tracking_id',
    });
  });

  it('retries a redirect instead of dead-lettering clicks over a misconfigured URL', () => {
    expect(answer(301)).toMatchObject({ kind: 'retry', reason: 'unexpected_status' });
  });

  it('retries timeouts and connection failures', () => {
    expect(classify({ kind: 'failure', reason: 'timeout', detail: 'x' }, 0)).toMatchObject({ kind: 'retry', reason: 'timeout' });
    expect(classify({ kind: 'failure', reason: 'connection', detail: 'ECONNRESET' }, 0)).toMatchObject({ kind: 'retry', reason: 'connection' });
  });

  it('lowers concurrency only for 429 and 503', () => {
    expect(isShedding(answer(429))).toBe(true);
    expect(isShedding(answer(503))).toBe(true);
    expect(isShedding(answer(500))).toBe(false);
    expect(isShedding(answer(200))).toBe(false);
  });
});

describe('errorText', () => {
  it('keeps error and message of a JSON body, or the start of a text body, short', () => {
    expect(errorText('{"error":"Internal server error","message":"Database connection failed"}')).toBe(': Internal server error — Database connection failed');
    expect(errorText('<html>\n  <b>Bad Gateway</b>\n</html>')).toBe(': <html> <b>Bad Gateway</b> </html>');
    expect(errorText('')).toBe('');
    expect(errorText('x'.repeat(1_000)).length).toBeLessThanOrEqual(202);
  });
});
