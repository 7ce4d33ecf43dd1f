/**
 * Which uWebSockets.js build serves, said once in the log, and the one start-up check that
 * depends on it: a TLS certificate needs a build that can serve TLS.
 */
import type { Settings } from '../config/settings.js';
import { ClickrelayError } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { describeBuild, loadUws, type Uws, type UwsBuild } from '../http/uws.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export function loadServingUws(s: Settings, log: Logger): { uws: Uws; build: UwsBuild; tls: TlsFiles | null } {
  const { uws, build } = loadUws({ allowJsFallback: s.server.allow_js_fallback });
  if (build.native) log.info({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)}`);
  else log.warn({ event: 'uws_loaded', uws_build: build }, `uWebSockets.js: ${describeBuild(build)} — no native build loads here (${build.skipped.join('; ')})`);
  const tls = s.server.tls_cert_file ? { certFile: s.server.tls_cert_file, keyFile: s.server.tls_key_file } : null;
  if (tls && !build.tls) throw new ClickrelayError('CR_ERR_TLS_UNAVAILABLE', `server.tls_cert_file is set, but the loaded uWebSockets.js build (${describeBuild(build)}) cannot serve TLS: terminate TLS in a proxy (README) or run a Node/glibc pair with a TLS build (Node 22/24 on glibc >= 2.38)`);
  return { uws, build, tls };
}
