/**
 * Compiles src/outbox (and the shared types) with the project's tsc into a scratch folder, so
 * child processes run the same code as built dist/ — including the writer thread started from
 * its .js file — while the rest of the project may be mid-work and not compile.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Returns the file URL of the compiled outbox index.js. */
export function buildOutbox(): string {
  const outDir = join(root, 'node_modules', '.cache', `clickrelay-outbox-build-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  const sources = readdirSync(join(root, 'src/outbox'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, 'src/outbox', f));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      ...['--outDir', outDir, '--rootDir', join(root, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext'],
      ...['--target', 'es2022', '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck', '--types', 'node'],
      ...sources,
      join(root, 'src/types.ts'),
    ],
    { cwd: root, stdio: 'pipe' },
  );
  // Inside node_modules no package.json scope applies: say these files are ES modules.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return pathToFileURL(join(outDir, 'outbox', 'index.js')).href;
}

export function removeBuild(indexUrl: string): void {
  rmSync(resolve(fileURLToPath(indexUrl), '../..'), { recursive: true, force: true });
}
