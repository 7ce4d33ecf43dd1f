/** `clickrelay serve`: run until SIGTERM/SIGINT, then drain and exit 0. */
import { loggableSettings, resolveSettings } from '../../config/settings.js';
import { createLogger } from '../../observe/logger.js';
import { startService } from '../../service/service.js';
import { parseCommand, printHelp } from '../args.js';
import { nodeEndOfLife } from '../../lib/node-eol.js';
import { version } from '../version.js';

/** The few facts an operator checks first, for the one start-up line. */
function configSummary(s: ReturnType<typeof resolveSettings>): Record<string, unknown> {
  return { source: s.source || 'built-in defaults', public: `${s.server.host}:${s.server.port}`, admin: `${s.admin.host}:${s.admin.port}`, data_dir: s.storage.data_dir, link_source: s.linkSource, click_sink: s.clickSink, durability: s.durability };
}

export async function serve(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { 'accept-new-outbox': { type: 'boolean' } }, { writes: true });
  if (cmd.help) {
    printHelp(
      'clickrelay serve [--config FILE] [--accept-new-outbox]\n  Redirects /track/{id}, syncs the mirror on schedule, ships clicks. SIGTERM/SIGINT drains and exits 0.\n' +
        '  --accept-new-outbox  start even though outbox.db is damaged, emptied or behind outbox.head (start-up refuses\n' +
        '                       otherwise): damaged files are kept as *.damaged-<time>, the audit keeps reporting the loss.\n' +
        '                       For one start after an operator decision; do not leave it in the unit file.\n',
    );
    return 0;
  }
  const settings = resolveSettings(cmd.config());
  const log = createLogger(settings.log.level);
  log.info({ event: 'starting', version: version(), node: process.versions.node, pid: process.pid }, `clickrelay ${version()} starting (Node ${process.versions.node})`);
  // One line at info (a terminal start is not 85 lines of keys); every resolved key and derived
  // fact at debug, secrets redacted: what this process runs with.
  log.info({ event: 'config_summary', ...configSummary(settings) }, `configuration from ${settings.source || 'built-in defaults'}: public ${settings.server.host}:${settings.server.port}, admin ${settings.admin.host}:${settings.admin.port}, data ${settings.storage.data_dir}, links from ${settings.linkSource}, clicks to ${settings.clickSink}, ${settings.durability}`);
  log.debug({ event: 'config', config: loggableSettings(settings) }, 'every resolved setting');
  const eol = nodeEndOfLife(process.versions.node);
  if (eol) log.warn({ event: 'node_end_of_life', node: process.versions.node }, eol);
  const service = await startService(settings, log, { version: version(), acceptNewOutbox: cmd.values['accept-new-outbox'] === true });

  // SIGHUP would otherwise end the process: it reloads the TLS certificate instead.
  process.on('SIGHUP', () => {
    service.reloadTls().then(
      (reloaded) => reloaded || log.info({ event: 'sighup' }, 'SIGHUP: not serving TLS, nothing to reload'),
      (err: Error) => log.error({ event: 'tls_reload_failed' }, `TLS reload failed, still serving the old certificate: ${err.message}`),
    );
  });
  // The first SIGTERM/SIGINT starts the drain. The handlers stay installed: a second signal
  // (systemd's stop and a user's Ctrl-C together) would otherwise take Node's default action and
  // kill the process mid-drain, losing clicks answered in fast mode. It is logged and ignored;
  // SIGQUIT (default action) is the way to force a stop (README, Stopping).
  let stopping = false;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ event: 'signal_ignored', signal }, `${signal} ignored: already draining (SIGQUIT forces a stop and may lose clicks not yet committed)`);
        return;
      }
      stopping = true;
      log.info({ event: 'signal', signal }, 'stopping: no new connections, committing queued clicks');
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await service.stop();
  log.flush();
  // Open keep-alive client connections would keep the loop alive; everything is committed.
  setImmediate(() => process.exit(0));
  return 0;
}
