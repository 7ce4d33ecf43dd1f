/** The version of this build, from package.json (one source: `npm version` bumps it). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function version(): string {
  // src/cli/version.ts and dist/cli/version.js are both two folders below package.json.
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
