/**
 * The one place uWebSockets.js is loaded. Its authors do not publish it on npm; two
 * republishes of their prebuilt binaries do, covering different Node/glibc pairs:
 *
 *   @btc-vision/uwebsockets.js      v20.57  Node 20–25, glibc ≥ 2.38, TLS
 *   @trufflesuite/uws-js-unofficial v20.30  Node 16–20, glibc ≥ 2.27, no TLS
 *
 * We load the native `.node` binary of each directly, newest first, instead of the
 * packages' own entry points: the trufflesuite entry silently falls back to a slow JS
 * imitation when its binary will not load, and we never run that unannounced. The
 * imitation is used only when `server.allow_js_fallback` says so, and is then reported
 * as such at start-up, in `status` and in /metrics.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ClickrelayError } from '../errors.js';
import type * as UwsTypes from '@btc-vision/uwebsockets.js';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@btc-vision/uwebsockets.js';

export interface UwsBuild {
  /** npm package the binary came from. */
  package: string;
  version: string;
  /** false only for the pure-JS imitation. */
  native: boolean;
  /** Whether this build can serve HTTPS (SSLApp). */
  tls: boolean;
  /** The file actually loaded. */
  file: string;
  /** Why earlier candidates did not load (for the start-up log). */
  skipped: string[];
}

interface Candidate {
  pkg: string;
  /** Binary path relative to the package's entry file's folder. */
  binary: (abi: string) => string;
  tls: boolean;
}

const binaryName = (abi: string) => `uws_${process.platform}_${process.arch}_${abi}.node`;

const CANDIDATES: readonly Candidate[] = [
  { pkg: '@btc-vision/uwebsockets.js', binary: binaryName, tls: true },
  { pkg: '@trufflesuite/uws-js-unofficial', binary: (abi) => join('..', 'binaries', binaryName(abi)), tls: false },
];

const require = createRequire(import.meta.url);
let loaded: { uws: Uws; build: UwsBuild } | undefined;

/** Load the newest native build this Node/glibc can run; the result is cached per process. */
export function loadUws(opts: { allowJsFallback: boolean }): { uws: Uws; build: UwsBuild } {
  if (loaded) return loaded;
  const skipped: string[] = [];
  for (const c of CANDIDATES) {
    let entry: string;
    try {
      entry = require.resolve(c.pkg);
    } catch {
      skipped.push(`${c.pkg}: not installed`);
      continue;
    }
    const file = join(dirname(entry), c.binary(process.versions.modules));
    try {
      const uws = require(file) as Uws;
      silence(uws);
      loaded = { uws, build: { package: c.pkg, version: versionOf(entry), native: true, tls: c.tls, file, skipped } };
      return loaded;
    } catch (err) {
      skipped.push(`${c.pkg}: ${firstLine(err)}`);
    }
  }
  if (!opts.allowJsFallback) {
    throw new ClickrelayError(
      'CR_ERR_UWS_NO_NATIVE',
      `no native uWebSockets.js build loads on Node ${process.versions.node} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}): ${skipped.join('; ')}. ` +
        'Refusing the slow JS imitation; set server.allow_js_fallback = true to accept it.',
    );
  }
  const entry = require.resolve('@trufflesuite/uws-js-unofficial');
  const file = join(dirname(entry), '..', 'dist', 'index.js');
  const uws = require(file) as Uws;
  loaded = { uws, build: { package: '@trufflesuite/uws-js-unofficial', version: versionOf(entry), native: false, tls: false, file, skipped } };
  return loaded;
}

/**
 * uWebSockets adds `uWebSockets: 20` to every answer, naming the server software to anyone
 * who asks. Both builds (20.30 and 20.57) export the undocumented `_cfg`, whose key "silent"
 * calls the C++ Loop::setSilent(true) (it sets the loop's noMark, which writeMark checks):
 * from then on no answer of this process carries the header. `writeHeader('uWebSockets', …)`
 * cannot do it: the mark is appended, not replaced. uWS's own error pages (a malformed
 * request, an oversized header) are unaffected: their HTML names uWebSockets/20 in 20.57.
 */
function silence(uws: Uws): void {
  (uws as unknown as { _cfg?: (key: string) => void })._cfg?.('silent');
}

/** One line for logs and `status`, e.g. "@btc-vision/uwebsockets.js 20.57.0 (native, TLS)". */
export function describeBuild(b: UwsBuild): string {
  return `${b.package} ${b.version} (${b.native ? 'native' : 'JS IMITATION, slow'}${b.tls ? ', TLS' : ', no TLS'})`;
}

function versionOf(entry: string): string {
  // Walk up from the entry file to the package.json (its `exports` hide it from require).
  let dir = dirname(entry);
  for (let i = 0; i < 3; i++, dir = dirname(dir)) {
    try {
      return (require(join(dir, 'package.json')) as { version: string }).version;
    } catch {
      /* keep walking */
    }
  }
  return 'unknown';
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
}
