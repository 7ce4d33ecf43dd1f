import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadUws } from '../../../src/http/uws.js';
import { startTestService } from '../../support/service.js';

/** A throwaway self-signed certificate for 127.0.0.1. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cr-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

const { build } = loadUws({ allowJsFallback: false });

describe('TLS', () => {
  const { cert, key } = selfSigned();
  const env = { CLICKRELAY_SERVER_TLS_CERT_FILE: cert, CLICKRELAY_SERVER_TLS_KEY_FILE: key };

  it.runIf(!build.tls)(`refuses to start with a certificate when the loaded build (${build.package}) has no TLS, and says what to do`, async () => {
    await expect(startTestService(env)).rejects.toThrow(/cannot serve TLS: terminate TLS in a proxy \(README\) or run a Node\/glibc pair with a TLS build/);
  });

  it.runIf(build.tls)('serves HTTPS with HSTS, and reloads the certificate on demand', async () => {
    const s = await startTestService(env);
    try {
      const url = s.base.replace('http:', 'https:') + '/track/lt_test123456789';
      const get = () => request(url, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) });
      const r = await get();
      expect(r.statusCode).toBe(302);
      expect(r.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(await s.service.reloadTls()).toBe(true);
      expect((await get()).statusCode).toBe(302);
    } finally {
      await s.stop();
    }
  });
});
