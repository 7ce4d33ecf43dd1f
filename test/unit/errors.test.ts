import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errorsMarkdown } from '../../src/error-catalogue.js';

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
});
