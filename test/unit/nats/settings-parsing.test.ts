/** nats.url and the credential file read into the client's options: the forms accepted, the ones refused, and no secret in any message. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNatsCredentials, readNatsCredentials } from '../../../src/nats/credentials.js';
import { parseServers } from '../../../src/lib/nats-servers.js';

const CREDS = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJURVNUIn0.c2lnbmF0dXJl
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.

-----BEGIN USER NKEY SEED-----
SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4
------END USER NKEY SEED------
`;

describe('nats.url', () => {
  it('takes one or several nats:// or tls:// servers, default port 4222', () => {
    expect(parseServers('nats://a.example:4333, nats://b.example')).toEqual({ servers: ['a.example:4333', 'b.example:4222'], tls: false, where: 'nats://a.example:4333,nats://b.example:4222' });
    expect(parseServers('tls://n1:4222,tls://n2:4222').tls).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['http://x:4222', /not a NATS scheme/],
    ['nats://a:1,tls://b:2', /mixes/],
    ['nats://x:4222/path', /path or query/],
  ])('refuses %j', (url, why) => {
    expect(() => parseServers(url)).toThrow(why);
  });

  it('refuses credentials in the URL without repeating them', () => {
    let msg = '';
    try {
      parseServers('nats://relay:hunter2secret@n1:4222');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/credentials_file/);
    expect(msg).not.toContain('hunter2secret');
  });
});

describe('the NATS credential', () => {
  it('tells a .creds file, user:password and a token apart, and lists their secrets', () => {
    const c = parseNatsCredentials(CREDS, 'file:/x');
    expect(c.kind).toBe('creds');
    expect(c.secrets).toEqual(['eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJURVNUIn0.c2lnbmF0dXJl', 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4']);
    expect(parseNatsCredentials('relay:pa:ss\n', 'file:/x')).toMatchObject({ kind: 'user_password', secrets: ['pa:ss', 'relay:pa:ss'] });
    expect(parseNatsCredentials('s3cr3t-token\n', 'file:/x')).toMatchObject({ kind: 'token', secrets: ['s3cr3t-token'] });
  });

  it('reads nats.credentials_file, else the systemd credential nats_credentials, else none; an unreadable file names the path, not the content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-creds-'));
    try {
      writeFileSync(join(dir, 'nats_credentials'), 'relay:from-systemd\n');
      writeFileSync(join(dir, 'file'), 'tok-from-file\n');
      expect(readNatsCredentials({ credentials_file: join(dir, 'file') }, { CREDENTIALS_DIRECTORY: dir })).toMatchObject({ kind: 'token', origin: `file:${join(dir, 'file')}` });
      expect(readNatsCredentials({ credentials_file: '' }, { CREDENTIALS_DIRECTORY: dir })).toMatchObject({ kind: 'user_password', origin: `credential:${join(dir, 'nats_credentials')}` });
      expect(readNatsCredentials({ credentials_file: '' }, {})).toMatchObject({ kind: 'none', origin: 'none' });
      expect(() => readNatsCredentials({ credentials_file: join(dir, 'missing') }, {})).toThrow(/cannot read the file \(ENOENT\)/);
      writeFileSync(join(dir, 'two'), 'line-one-secret\nline-two-secret\n');
      expect(() => readNatsCredentials({ credentials_file: join(dir, 'two') }, {})).toThrow(/more than one line/);
      try {
        readNatsCredentials({ credentials_file: join(dir, 'two') }, {});
      } catch (e) {
        expect((e as Error).message).not.toContain('secret');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
