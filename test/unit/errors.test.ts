import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errorsMarkdown } from '../../src/error-catalogue.js';
import { ClickrelayError, ConfigError } from '../../src/errors.js';
import { MIRROR_ERROR_CODES, MirrorError } from '../../src/mirror/errors.js';
import { OutboxError } from '../../src/outbox/errors.js';
import { MainSystemError } from '../../src/main-system/errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error catalogue', () => {
  it('docs/errors.md is the catalogue (regenerate with npm run docs:errors)', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(errorsMarkdown());
  });

  it('every CR_ERR_ code used in the source is in the catalogue, with an action', () => {
    const used = new Set(sources('src').flatMap((f) => readFileSync(f, 'utf8').match(/\bCR_ERR_[A-Z]+(?:_[A-Z]+)+\b/g) ?? []));
    for (const code of used) {
      expect(ERROR_CATALOGUE[code], code).toBeDefined();
      expect(ERROR_CATALOGUE[code]!.action.length, code).toBeGreaterThan(20);
    }
  });

  it('every catalogued code is raised or logged somewhere in the source (none is dead)', () => {
    const text = sources('src')
      .filter((f) => !f.endsWith('error-catalogue.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(ERROR_CATALOGUE).filter((code) => !new RegExp(`\\b${code}\\b`).test(text));
    expect(unused).toEqual([]);
  });
});

describe('one error family', () => {
  const errors = [
    new ConfigError('bad key'),
    new ClickrelayError('CR_ERR_TLS_UNAVAILABLE', 'no TLS'),
    new MirrorError('CR_ERR_MIRROR_NETWORK', 'down', { status: 503 }),
    new OutboxError('CR_ERR_OUTBOX_OPEN', 'damaged'),
  ];

  it('every area class is a ClickrelayError whose recoverable and action are the catalogue row of its code', () => {
    for (const e of errors) {
      expect(e).toBeInstanceOf(ClickrelayError);
      expect(e).toBeInstanceOf(Error);
      expect({ recoverable: e.recoverable, action: e.action }, e.code).toEqual({ recoverable: ERROR_CATALOGUE[e.code]!.recoverable, action: ERROR_CATALOGUE[e.code]!.action });
    }
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['ConfigError', 'CR_ERR_CONFIG_INVALID'],
      ['ClickrelayError', 'CR_ERR_TLS_UNAVAILABLE'],
      ['MirrorError', 'CR_ERR_MIRROR_NETWORK'],
      ['OutboxError', 'CR_ERR_OUTBOX_OPEN'],
    ]);
    expect((errors[2] as MirrorError).status).toBe(503);
    expect(errors[2]!.recoverable).toBe(true);
    expect(errors[3]!.recoverable).toBe(false);
  });

  it('the configuration flag, not one code string, says which errors are configuration mistakes', () => {
    expect(errors.map((e) => e.isConfigError)).toEqual([true, true, false, false]);
    expect(new MainSystemError('CR_ERR_MAIN_NO_API_KEY', 'none').isConfigError).toBe(true);
  });

  it('the catalogue text stays out of logged and cloned error objects (the code names it)', () => {
    const e = new MirrorError('CR_ERR_MIRROR_REFUSED', 'refused', { details: { removed: 3 } });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'MirrorError', code: 'CR_ERR_MIRROR_REFUSED', details: { removed: 3 } });
  });

  it("MIRROR_ERROR_CODES is the catalogue's mirror rows", () => {
    expect(Object.keys(MIRROR_ERROR_CODES)).toEqual(Object.keys(ERROR_CATALOGUE).filter((c) => c.startsWith('CR_ERR_MIRROR_')));
    expect(MIRROR_ERROR_CODES.CR_ERR_MIRROR_AUTH).toBe(ERROR_CATALOGUE.CR_ERR_MIRROR_AUTH);
  });
});
