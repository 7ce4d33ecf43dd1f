import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skippingClock } from '../../support/clock.js';
import { startTestService, type TestService } from '../../support/service.js';
import { waitFor } from '../../support/wait-for.js';

describe('abuse limits', () => {
  let s: TestService;
  // The buckets refill by this clock: a test skips it ahead instead of waiting real seconds.
  const clock = skippingClock();
  beforeAll(async () => {
    s = await startTestService({ CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '2', CLICKRELAY_SERVER_RATE_LIMIT_BURST: '3' }, undefined, { clock: clock.now });
  });
  afterAll(async () => {
    await s.stop();
  });

  it('a client past its token bucket gets 429 with Retry-After, and nothing is recorded for it', async () => {
    const before = s.clicks().length;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${s.base}/track/lt_other`, { redirect: 'manual', headers: { Accept: 'application/json' } });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, 3)).toEqual([302, 302, 302]);
    expect(statuses.slice(3)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(s.clicks().length - before).toBe(statuses.filter((x) => x === 302).length);
    const m = await (await fetch(`${s.admin}/metrics`)).text();
    expect(m).toMatch(/clickrelay_redirects_total\{status="429"\} [1-9]/);
  });

  it('the bucket refills at the configured rate', async () => {
    clock.advance(1100);
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
  });

  it('a client trickling a request byte by byte is disconnected (uWS idle timeout), and others are served meanwhile', async () => {
    const sock = net.connect(Number(new URL(s.base).port), '127.0.0.1');
    const closed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      sock.on('close', () => resolve(Date.now() - t0));
      sock.on('error', () => undefined);
    });
    const partial = 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nX-Slow: ';
    let i = 0;
    const drip = setInterval(() => {
      if (!sock.destroyed) sock.write(i < partial.length ? partial[i++]! : 'a');
    }, 1000);
    await waitFor('the slow client to be part-way through its request', () => i >= 1);
    clock.advance(2400); // let the bucket refill for the next check
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
    const ms = await closed;
    clearInterval(drip);
    expect(ms).toBeLessThan(15_000);
  }, 40_000);
});
