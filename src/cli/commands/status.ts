/**
 * `clickrelay status [--json]`: what a sysadmin asks first. Reads the data folder only
 * (works whether or not `serve` runs); the uWS build is the running serve's when there is
 * one, else the one this machine would load.
 */
import { probeMainSystem } from '../../main-system/probe.js';
import { readMirrorStatus } from '../../mirror/index.js';
import { openOutboxReadOnly } from '../../outbox/index.js';
import { describeBuild, loadUws, type UwsBuild } from '../../redirect/uws.js';
import { readRuntimeFile } from '../../service/runtime-file.js';
import { parseCommand } from '../args.js';

export async function status(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' } });
  if (cmd.help) {
    process.stdout.write('clickrelay status [--json] [--config FILE]\n  Mirror size and last sync, outbox backlog, last shipment, dead letters, uWebSockets.js build.\n');
    return 0;
  }
  const config = cmd.config();
  const dataDir = config.storage.data_dir;
  const running = readRuntimeFile(dataDir);
  const mirror = readMirrorStatus(dataDir);
  const outbox = openOutboxReadOnly(dataDir);
  const o = outbox.summary();
  outbox.close();
  let build: UwsBuild | { error: string };
  try {
    build = running?.uws_build ?? loadUws({ allowJsFallback: config.server.allow_js_fallback }).build;
  } catch (err) {
    build = { error: (err as Error).message };
  }

  const main = await probeMainSystem(config.main_system);
  const report = {
    config: config.source || 'built-in defaults',
    data_dir: dataDir,
    server: {
      running: running !== null,
      pid: running?.pid ?? null,
      started_at: running?.started_at ?? null,
      public_port: running?.public_port ?? null,
      admin_port: running?.admin_port ?? null,
      uws_build: build,
    },
    mirror: { links: mirror.links, active: mirror.active, inactive: mirror.inactive, last_sync: mirror.last_sync, source: mirror.source, rejected: mirror.rejected, last_error: mirror.last_error },
    outbox: { pending: o.pending, shipped: o.shipped, dead_letter: o.dead_letter, oldest_pending: o.oldest_pending, durability: config.outbox.durability },
    shipper: { enabled: main.adapter !== null, mode: config.shipper.mode, last_success: o.last_shipped_at },
    main_system: main,
  };

  if (cmd.values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const buildText = 'error' in build ? `NONE: ${build.error}` : describeBuild(build);
  const lines = [
    `clickrelay status (${report.config})`,
    `  server     ${running ? `running, pid ${running.pid}, public :${running.public_port}, admin :${running.admin_port}, since ${running.started_at}` : 'not running'}`,
    `  uWS build  ${buildText}${running ? '' : ' (what serve would load here)'}`,
    `  mirror     ${mirror.links} links (${mirror.active} active, ${mirror.inactive} inactive), last sync ${mirror.last_sync ?? 'never'}${mirror.source ? ` from ${mirror.source}` : ''}`,
    ...(mirror.last_error ? [`             last error ${mirror.last_error.at}: ${mirror.last_error.message}`] : []),
    `  outbox     ${o.pending} pending${o.oldest_pending ? ` (oldest ${o.oldest_pending})` : ''}, ${o.shipped} shipped, ${o.dead_letter} dead letters; ${config.outbox.durability}`,
    `  shipper    ${report.shipper.enabled ? `${main.adapter === 'postgres' ? 'batch inserts' : `${config.shipper.mode} mode`} to ${main.where}` : 'off (standalone: no main_system.base_url)'}, last success ${o.last_shipped_at ?? 'never'}`,
    ...(main.adapter === 'postgres'
      ? [`  database   ${main.reachable ? `reachable; SELECT on link_tracking ${main.can_select_links ? 'yes' : 'NO'}, INSERT on link_clicks ${main.can_insert_clicks ? 'yes' : 'NO'}` : 'NOT reachable'}${main.error ? ` (${main.error})` : ''}`]
      : []),
  ];
  if (o.dead_letter > 0) lines.push(`  ! ${o.dead_letter} clicks rejected by the main system: clickrelay dead-letters list`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
