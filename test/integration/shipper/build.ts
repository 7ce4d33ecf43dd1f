/**
 * The compiled shipper and outbox for child processes. Uses dist/ when it is there and newer
 * than every source it needs; otherwise compiles src/shipper, src/outbox, src/main-system and src/types.ts with
 * the project's tsc into a scratch folder (as test/integration/outbox/build.ts does), so a
 * crash test runs built code even while other stages are mid-work and do not compile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const STAGES = ['shipper', 'outbox', 'main-system', 'main-system/http'];
/** The modules the child imports, by their path under the output folder. */
const ENTRIES = { shipper: 'shipper/index.js', outbox: 'outbox/index.js', sink: 'main-system/http/click-sink.js', apiKey: 'main-system/http/api-key.js' } as const;

export interface Build {
  /** file URLs of the compiled modules the child imports */
  shipper: string;
  outbox: string;
  sink: string;
  apiKey: string;
  remove(): void;
}

function sources(): string[] {
  return [...STAGES.flatMap((s) => readdirSync(join(root, 'src', s)).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src', s, f))), join(root, 'src/types.ts')];
}

function urls(dir: string): Omit<Build, 'remove'> {
  const at = (p: string) => pathToFileURL(join(dir, p)).href;
  return { shipper: at(ENTRIES.shipper), outbox: at(ENTRIES.outbox), sink: at(ENTRIES.sink), apiKey: at(ENTRIES.apiKey) };
}

function distIsFresh(): boolean {
  return sources().every((src) => {
    const js = join(root, 'dist', src.slice(join(root, 'src').length + 1).replace(/\.ts$/, '.js'));
    return existsSync(js) && statSync(js).mtimeMs >= statSync(src).mtimeMs;
  });
}

export function buildShipper(): Build {
  if (distIsFresh()) {
    return { ...urls(join(root, 'dist')), remove: () => undefined };
  }
  const outDir = join(root, 'node_modules', '.cache', `clickrelay-shipper-build-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Type errors (another stage mid-edit) do not stop tsc from emitting; only missing output does.
  const compile = () => execFileSync(
    process.execPath,
    [
      tsc,
      ...['--outDir', outDir, '--rootDir', join(root, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext'],
      ...['--target', 'es2022', '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck', '--types', 'node'],
      ...sources(),
    ],
    { cwd: root, stdio: 'pipe' },
  );
  try {
    compile();
  } catch (err) {
    const missing = Object.values(ENTRIES).filter((p) => !existsSync(join(outDir, p)));
    if (missing.length > 0) throw new Error(`tsc did not build ${missing.join(', ')}: ${String((err as { stdout?: unknown }).stdout ?? err)}`);
  }
  // Inside node_modules no package.json scope applies: say these files are ES modules.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return { ...urls(outDir), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
