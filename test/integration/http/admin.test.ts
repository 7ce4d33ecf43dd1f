import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startTestService, type TestService } from '../../support/service.js';
import { waitFor } from '../../support/wait-for.js';

const controlToken = (s: TestService): string => readFileSync(join(s.dataDir, 'admin-control.token'), 'utf8').trim();
const post = (s: TestService, path: string, body: string | undefined, token: string | null): Promise<Response> =>
  fetch(`${s.admin}${path}`, { method: 'POST', ...(body !== undefined ? { body } : {}), headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

describe('admin listener protection', () => {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'cr-admin-')), 'token');
  writeFileSync(tokenFile, 'sekrit-token\n');
  let s: TestService;
  beforeAll(async () => {
    s = await startTestService({ CLICKRELAY_ADMIN_TOKEN_FILE: tokenFile });
  });
  afterAll(async () => {
    await s.stop();
  });

  it('with a token file, every admin route needs the bearer token', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect((await fetch(`${s.admin}${path}`)).status, path).toBe(401);
      expect((await fetch(`${s.admin}${path}`, { headers: { Authorization: 'Bearer wrong' } })).status, path).toBe(401);
      expect((await fetch(`${s.admin}${path}`, { headers: { Authorization: 'Bearer sekrit-token' } })).status, path).toBe(200);
    }
  });

  it('the auth scheme is case-insensitive (RFC 9110 §11.1): bearer, BEARER and Bearer are the same credential', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
        expect((await fetch(`${s.admin}${path}`, { headers: { Authorization: `${scheme} sekrit-token` } })).status, `${scheme} ${path}`).toBe(200);
      }
      for (const wrong of ['bearer wrong', 'Basic sekrit-token', 'Bearersekrit-token', 'sekrit-token', 'bearer sekrit-token extra']) {
        expect((await fetch(`${s.admin}${path}`, { headers: { Authorization: wrong } })).status, `${wrong} ${path}`).toBe(401);
      }
    }
  });

  it('the POST routes take admin.token_file\'s token as well as the run\'s control token, and nothing else', async () => {
    expect((await post(s, '/admin/sync', undefined, 'sekrit-token')).status).toBe(200);
    expect((await post(s, '/admin/sync', undefined, controlToken(s))).status).toBe(200);
    expect((await post(s, '/admin/sync', undefined, 'wrong')).status).toBe(401);
  });

  it('binding the admin listener beyond loopback without a token is refused at start-up', () => {
    expect(() => loadConfig({ env: { CLICKRELAY_ADMIN_HOST: '0.0.0.0' } })).toThrow(/admin\.token_file .*not loopback/);
  });

  it('the public listener never serves admin routes', async () => {
    expect((await fetch(`${s.base}/metrics`)).status).toBe(404);
  });
});

describe('admin listener control routes (POST /admin/sync, /admin/ship)', () => {
  let s: TestService;
  beforeAll(async () => {
    s = await startTestService();
  });
  afterAll(async () => {
    await s.stop();
  });

  it('always need a bearer, on loopback too: none or a wrong one is 401 in JSON, while GET routes stay open there', async () => {
    for (const path of ['/admin/sync', '/admin/ship']) {
      for (const token of [null, 'wrong', `${controlToken(s)}x`]) {
        const r = await post(s, path, undefined, token);
        expect(r.status, `${path} ${token}`).toBe(401);
        const body = (await r.json()) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['error', 'message', 'timestamp']);
        expect(body.error).toBe('Unauthorized');
      }
    }
    expect((await fetch(`${s.admin}/healthz`)).status).toBe(200);
    // The token file is the service user's alone: 0600.
    expect(statSync(join(s.dataDir, 'admin-control.token')).mode & 0o777).toBe(0o600);
  });

  it('POST /admin/sync runs one sync and answers what sync --json prints; a bad body is the guide\'s 400', async () => {
    const r = await post(s, '/admin/sync', '{"force":true}', controlToken(s));
    expect(r.status).toBe(200);
    const answer = (await r.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ ok: true, changed: expect.any(Boolean), active: expect.any(Number), source: expect.stringMatching(/^file:/) });
    expect(s.logs.some((l) => l.event === 'admin_control' && l.route === '/admin/sync')).toBe(true);
    for (const bad of ['{"force":"yes"}', 'not json', '[1]', `{"pad":"${'x'.repeat(5000)}"}`]) {
      const b = await post(s, '/admin/sync', bad, controlToken(s));
      expect(b.status, bad.slice(0, 20)).toBe(400);
      expect(Object.keys((await b.json()) as object).sort()).toEqual(['error', 'required_fields', 'timestamp']);
    }
  });

  it('POST /admin/ship on a standalone service is a 503 saying there is nowhere to ship to; a bad timeout a 400', async () => {
    const r = await post(s, '/admin/ship', '{"timeout_s":1}', controlToken(s));
    expect(r.status).toBe(503);
    expect(((await r.json()) as { message: string }).message).toMatch(/standalone/);
    expect((await post(s, '/admin/ship', '{"timeout_s":-1}', controlToken(s))).status).toBe(400);
  });

  it('a client that goes away half-way through its body does not hang or break the listener', async () => {
    const port = Number(new URL(s.admin).port);
    const half = `POST /admin/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${controlToken(s)}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"force":`;
    // The client sends part of its body and hangs up: the body never completes.
    await new Promise<void>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.write(half, () => (sock.destroy(), resolve())));
    });
    expect((await fetch(`${s.admin}/healthz`)).status).toBe(200);
    expect((await post(s, '/admin/sync', undefined, controlToken(s))).status).toBe(200);
  });

  it('a clean stop removes the control token', async () => {
    const other = await startTestService();
    const file = join(other.dataDir, 'admin-control.token');
    expect(existsSync(file)).toBe(true);
    await other.stop();
    await waitFor('the control token removed', () => !existsSync(file));
  });
});
