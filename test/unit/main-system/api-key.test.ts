import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readApiKey } from '../../../src/main-system/http/api-key.js';
import { MainSystemError } from '../../../src/main-system/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'apikey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('readApiKey', () => {
  it('reads main_system.api_key_file first, trimmed', () => {
    const k = readApiKey({ api_key_file: file('k1', '  from-file\n') }, { CLICKRELAY_MAIN_SYSTEM_API_KEY: 'from-env' });
    expect(k.reveal()).toBe('from-file');
    expect(k.origin).toMatch(/^file:/);
  });

  it('falls back to $CLICKRELAY_MAIN_SYSTEM_API_KEY, then the systemd credential', () => {
    expect(readApiKey({ api_key_file: '' }, { CLICKRELAY_MAIN_SYSTEM_API_KEY: ' from-env ' }).reveal()).toBe('from-env');
    file('main_system_api_key', 'from-credential\n');
    const k = readApiKey({ api_key_file: '' }, { CREDENTIALS_DIRECTORY: dir });
    expect(k.reveal()).toBe('from-credential');
    expect(k.origin).toBe(`credential:${join(dir, 'main_system_api_key')}`);
  });

  it('fails with a clear error naming where it looked when there is no key', () => {
    expect(() => readApiKey({ api_key_file: '' }, {})).toThrow(/api_key_file, \$CLICKRELAY_MAIN_SYSTEM_API_KEY, or a systemd LoadCredential=main_system_api_key/);
    expect(() => readApiKey({ api_key_file: join(dir, 'nope') }, {})).toThrow(/cannot read the file \(ENOENT\)/);
    expect(() => readApiKey({ api_key_file: file('empty', ' \n') }, {})).toThrow(/the file is empty/);
  });

  it('refuses a key an HTTP header cannot carry, without quoting it', () => {
    let err: unknown;
    try {
      readApiKey({ api_key_file: file('crlf', 'abc\r\ndef-SECRET') }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MainSystemError);
    expect((err as MainSystemError).code).toBe('CR_ERR_MAIN_NO_API_KEY');
    expect((err as Error).message).not.toContain('SECRET');
  });

  it('prints as [redacted] however it is logged', () => {
    const k = readApiKey({ api_key_file: '' }, { CLICKRELAY_MAIN_SYSTEM_API_KEY: 'sk_live_topsecret' });
    const shown = [String(k), `${k}`, JSON.stringify({ k }), inspect(k), inspect({ nested: { k } })].join(' ');
    expect(shown).not.toContain('topsecret');
    expect(shown).toContain('[redacted]');
  });
});
