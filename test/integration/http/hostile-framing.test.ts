/**
 * Requests whose framing is broken or ambiguous, pipelining behind a durable redirect, and
 * forwarding headers split over several lines, sent as raw bytes to a real listener. The
 * promise under test: a click is stored only for a request that gets its redirect, and the
 * stored address is the one the trusted proxy vouches for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, statusOf } from '../../support/raw-http.js';
import { startTestService, type TestService } from '../../support/service.js';

const redirects = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 302 /g)].length;
const portOf = (s: TestService) => Number(new URL(s.base).port);
const metrics = async (s: TestService) => (await fetch(`${s.admin}/metrics`)).text();

/** Sends `request` and returns the answer and the clicks it added (the outbox is read after the answer, once what it queued is committed). */
async function send(s: TestService, request: string) {
  const before = s.clicks().length;
  const raw = await rawRequest(portOf(s), request, 1500);
  await s.committed();
  return { raw, status: statusOf(raw), added: s.clicks().slice(before) };
}

const BROKEN_BODIES: Record<string, string> = {
  'Content-Length: -1': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'a chunk size that is not hex': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
};

// Durable is the default; the issue names it for the lost answers. One service per setting.
let durable: TestService;
let fast: TestService;
let proxied: TestService;
beforeAll(async () => {
  [durable, fast, proxied] = await Promise.all([
    startTestService(),
    startTestService({ CLICKRELAY_OUTBOX_DURABILITY: 'fast' }),
    startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32' }),
  ]);
});
afterAll(async () => {
  await Promise.all([durable.stop(), fast.stop(), proxied.stop()]);
});

describe.each(['durable', 'fast'] as const)('broken body framing (%s)', (mode) => {
  let s: TestService;
  beforeAll(() => {
    s = mode === 'durable' ? durable : fast;
  });

  for (const [what, request] of Object.entries(BROKEN_BODIES)) {
    it(`${what}: no redirect and no click (uWS closes; a 400 where it lets one out)`, async () => {
      const r = await send(s, request);
      expect([null, 400]).toContain(r.status);
      expect(r.added).toEqual([]);
    });
  }

  it('the server keeps serving, and an empty Content-Length: 0 is no body', async () => {
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.added).toHaveLength(1);
  });
});

describe('pipelining behind a durable redirect', () => {
  let s: TestService;
  beforeAll(() => {
    s = durable;
  });

  it('uWS closes the connection, and no click is stored for a request that got no redirect', async () => {
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\n\r\nGET /track/lt_test123456789 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.added.length).toBe(redirects(r.raw));
    expect(r.raw).not.toMatch(/HTTP\/1\.1 5\d\d/);
    expect(await metrics(s)).toMatch(/clickrelay_clicks_dropped_total\{reason="connection_closed"\} [1-9]/);
  });

  it('a request on its own still waits for its commit and is redirected', async () => {
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.added).toHaveLength(1);
  });
});

describe('ambiguous requests are refused with 400, closed, and not recorded', () => {
  let s: TestService;
  beforeAll(() => {
    s = durable;
  });

  const AMBIGUOUS: Record<string, string> = {
    'conflicting Content-Length lines': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello',
    'Transfer-Encoding: chunked, identity': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
    'a valid chunked body on a GET': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'a Content-Length body on a GET': 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc',
    'a body on a HEAD': 'HEAD /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc',
  };
  for (const [what, request] of Object.entries(AMBIGUOUS)) {
    it(what, async () => {
      const r = await send(s, request);
      expect(r.status).toBe(400);
      expect(r.raw).toMatch(/\r\nConnection: close\r\n/i);
      expect(r.added).toEqual([]);
    });
  }

  it('a request pipelined behind a refused one is not served', async () => {
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /track/lt_other HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(redirects(r.raw)).toBe(0);
    expect(r.added).toEqual([]);
  });

  it('a second Host line, from a trusted proxy (whose lines are all read)', async () => {
    const r = await send(proxied, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nHost: y\r\nX-Forwarded-For: 203.0.113.5\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.added).toEqual([]);
  });

  it('counts refusals by reason', async () => {
    expect(await metrics(s)).toMatch(/clickrelay_requests_refused_total\{reason="body_framing"\} [1-9]/);
    expect(await metrics(proxied)).toMatch(/clickrelay_requests_refused_total\{reason="duplicate_host"\} 1\b/);
  });
});

describe('forwarding headers over several lines, behind a trusted proxy', () => {
  let s: TestService;
  beforeAll(() => {
    s = proxied;
  });

  it('X-Forwarded-For lines form one list: the client-written first line does not choose the address', async () => {
    // A proxy that adds its own line (HAProxy's `option forwardfor`) after the client's.
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 9.9.9.9\r\nX-Forwarded-For: 203.0.113.5\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.added.map((c) => c.click.ip_address)).toEqual(['203.0.113.0']);
  });

  it('nor the rate-limit bucket', async () => {
    const limited = await startTestService({ CLICKRELAY_SERVER_TRUST_PROXY: '127.0.0.1/32', CLICKRELAY_SERVER_RATE_LIMIT_PER_SECOND: '1', CLICKRELAY_SERVER_RATE_LIMIT_BURST: '2' });
    try {
      const statuses: (number | null)[] = [];
      for (let i = 0; i < 4; i++) {
        // A new spoofed first line each time, one real client behind the proxy.
        const r = await rawRequest(portOf(limited), `GET /track/lt_other HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 9.9.${i}.9\r\nX-Forwarded-For: 203.0.113.5\r\nConnection: close\r\n\r\n`);
        statuses.push(statusOf(r));
      }
      expect(statuses).toContain(429);
    } finally {
      await limited.stop();
    }
  });

  it('X-Real-IP on two lines is ambiguous and ignored: the proxy itself is the client', async () => {
    const r = await send(s, 'GET /track/lt_other HTTP/1.1\r\nHost: x\r\nX-Real-IP: 9.9.9.9\r\nX-Real-IP: 203.0.113.5\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.added.map((c) => c.click.ip_address)).toEqual(['127.0.0.0']);
  });
});

describe('forwarding headers from a peer not in server.trust_proxy (issue #16)', () => {
  it('are ignored, and said so once, with an event and a metric', async () => {
    const s = fast; // no trust_proxy, and no other test sends it forwarding headers
    const before = s.clicks().length;
    // As in the issue: 80 requests, each forwarded for another address.
    for (let i = 0; i < 80; i++) {
      const r = await fetch(`${s.base}/track/lt_other`, { redirect: 'manual', headers: { 'X-Forwarded-For': `198.51.${i}.7` } });
      expect(r.status).toBe(302);
    }
    const warnings = s.logs.filter((l) => l.event === 'untrusted_forwarding');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, peer_range: 'loopback' });
    expect(String(warnings[0]!.msg)).toMatch(/server\.trust_proxy/);
    expect(JSON.stringify(warnings[0])).not.toMatch(/198\.51\./);
    expect(await metrics(s)).toMatch(/clickrelay_untrusted_forwarding_detected 1\b/);
    await s.committed(); // fast mode answers before the commit
    expect(new Set(s.clicks().slice(before).map((c) => c.click.ip_address))).toEqual(new Set(['127.0.0.0']));
  });
});
