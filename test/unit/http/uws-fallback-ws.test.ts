/**
 * The JS fallback of @trufflesuite/uws-js-unofficial (server.allow_js_fallback) serves WebSocket
 * upgrades with `ws`, which that package pins to 8.13.0: a version with a published
 * denial-of-service advisory (a request with many headers crashes the server), fixed in 8.17.1.
 * package.json's `overrides` lifts it; this loads the fallback as src/http/uws.ts does and
 * checks which `ws` it really got.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXED = [8, 17, 1] as const;
const atLeast = (version: string, min: readonly number[]) => {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) if (parts[i] !== min[i]) return (parts[i] ?? 0) > min[i]!;
  return true;
};

describe('uWebSockets.js JS fallback', () => {
  it('loads with a ws past the 8.17.1 advisory fix, resolved from the fallback itself', () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@trufflesuite/uws-js-unofficial');
    const fallbackFile = join(dirname(entry), '..', 'dist', 'index.js'); // as src/http/uws.ts loads it
    const fallback = require(fallbackFile) as { App: () => unknown };
    expect(typeof fallback.App).toBe('function');

    // The ws the fallback's own require("ws") resolves to, and that it is the one it loaded.
    const fromFallback = createRequire(join(dirname(fallbackFile), 'http-context.js'));
    const wsMain = fromFallback.resolve('ws');
    expect(require.cache[wsMain], `${wsMain} loaded by the fallback`).toBeDefined();
    const wsPackage = JSON.parse(readFileSync(fromFallback.resolve('ws/package.json'), 'utf8')) as { version: string };
    expect(atLeast(wsPackage.version, FIXED), `ws ${wsPackage.version} ≥ ${FIXED.join('.')}`).toBe(true);
    expect(atLeast('8.13.0', FIXED)).toBe(false); // the pinned one would fail here

    const pinned = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.ws;
    expect(pinned).toBe('8.13.0'); // still pinned upstream: the override is what lifts it
  });
});
