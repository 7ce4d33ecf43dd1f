/**
 * Starts a worker thread from wherever the calling module runs.
 *
 * Built (under dist/): the worker's `.js` sits next to its caller and is started directly.
 * From TypeScript sources (vitest runs src/*.ts; Node 20 cannot strip types and vitest does
 * not transform worker threads): the worker starts from a small eval'd script that registers
 * an ESM loader hook (module.register, inside the worker only) which transpiles `.ts` with the
 * project's own `typescript` devDependency (cached on disk by file path, mtime and size) and
 * maps `./x.js` imports to `./x.ts`, then imports the worker's `.ts`. Production never takes
 * that path, and tests run the very same modules.
 *
 * Every worker thread is three files named for it, side by side:
 *   <name>-protocol.ts  the messages both sides speak (and the thread's workerData)
 *   <name>-thread.ts    the launcher and the owner-side client (calls startWorker)
 *   <name>-worker.ts    the thread's entry (the module startWorker starts)
 * Today: outbox/writer-*, mirror/build/build-*, analytics/analytics-*. A thread whose owner side
 * has more than one job splits it further beside them (outbox/writer-rounds.ts, writer-ops.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

const TS_LOADER = `
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
let options;
let ts; // loaded only on a cache miss: importing typescript costs ~0.5 s per worker
export function initialize(data) { options = data; }
export async function resolve(specifier, context, next) {
  const p = context.parentURL;
  if (p && p.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', p);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const st = statSync(fileName);
  const cached = join(options.cacheDir, createHash('sha256').update([options.salt, options.typescript, fileName, st.mtimeMs, st.size].join(':')).digest('hex') + '.js');
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= (await import(options.typescript)).default;
  const out = ts.transpileModule(readFileSync(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true },
  });
  mkdirSync(options.cacheDir, { recursive: true });
  // Not src/fs/atomic-write.ts: this text is the hook that makes .ts importable, so it can
  // import nothing of ours; and a cache entry needs no fsync (a lost one is transpiled again).
  // The temp name is unique per writer because parallel test workers fill the same cache.
  const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2) + '.tmp';
  writeFileSync(tmp, out.outputText);
  renameSync(tmp, cached);
  return { format: 'module', source: out.outputText, shortCircuit: true };
}`;

const TS_BOOT = `
const { workerData } = require('node:worker_threads');
import('node:module')
  .then(({ register }) => {
    register('data:text/javascript,' + encodeURIComponent(workerData.tsBoot.loader), { data: workerData.tsBoot });
    return import(workerData.tsBoot.entry);
  })
  .catch((err) => { console.error(err); process.exit(70); });`;

/**
 * Starts the worker whose built module is `js` (e.g. `new URL('../writer-worker.js', import.meta.url)`),
 * or its `.ts` beside it when running from sources.
 */
export function startWorker(js: URL, opts: { workerData: object; resourceLimits?: ResourceLimits }): Worker {
  const limits = opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {};
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: opts.workerData, ...limits });
  const tsPath = createRequire(import.meta.url).resolve('typescript');
  const typescript = pathToFileURL(tsPath).href;
  const entry = js.href.replace(/\.js$/, '.ts');
  // Beside the project's node_modules (as other tools cache), not in a shared /tmp.
  const cacheDir = join(tsPath.slice(0, tsPath.lastIndexOf('node_modules') + 'node_modules'.length), '.cache', 'clickrelay-worker');
  const tsBoot = { loader: TS_LOADER, typescript, entry, cacheDir, salt: createHash('sha256').update(TS_LOADER).digest('hex').slice(0, 16) };
  return new Worker(TS_BOOT, { eval: true, workerData: { ...opts.workerData, tsBoot }, ...limits });
}
