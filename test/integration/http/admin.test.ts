import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startTestService, type TestService } from '../../support/service.js';

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

  it('binding the admin listener beyond loopback without a token is refused at start-up', () => {
    expect(() => loadConfig({ env: { CLICKRELAY_ADMIN_HOST: '0.0.0.0' } })).toThrow(/admin\.token_file .*not loopback/);
  });

  it('the public listener never serves admin routes', async () => {
    expect((await fetch(`${s.base}/metrics`)).status).toBe(404);
  });
});
