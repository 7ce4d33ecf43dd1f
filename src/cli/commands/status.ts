/**
 * `clickrelay status [--json]`: what a sysadmin asks first. Reads the data folder only
 * (works whether or not `serve` runs). When a serve runs, its settings, shipper state and
 * uWS build come from its serve.json — status reports the service, not the configuration
 * this command happened to be started with — and any setting that differs is named.
 */
import { describeWeakened, weakenedSettings } from '../../notice/index.js';
import { describeBroadProxies, tooBroadProxies } from '../../lib/trusted-proxies.js';
import { CLICK_SINKS } from '../../adapters/registry.js';
import { resolveKinds, resolveSettings } from '../../config/settings.js';
import { readMirrorStatus } from '../../mirror/index.js';
import { describeCause } from '../../errors.js';
import { OutboxError } from '../../outbox/errors.js';
import { SCHEMA_VERSION } from '../../outbox/schema.js';
import { describeBuild, loadUws, type UwsBuild } from '../../http/uws.js';
import { readRuntimeFile, runtimeSettings, settingsDiff } from '../../service/runtime-file.js';
import { describeShipping } from '../../shipper/index.js';
import { openOutboxReaderFor } from '../../service/stages.js';
import { parseCommand, printHelp } from '../args.js';
import { version } from '../version.js';

export async function status(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { json: { type: 'boolean' } });
  if (cmd.help) {
    printHelp('clickrelay status [--json] [--config FILE]\n  Mirror size and last sync, outbox backlog, shipping and why it fails, dead letters, the privacy settings weaker than the defaults, versions, uWebSockets.js build. With serve running, its own settings (and where they differ from this command\'s configuration).\n');
    return 0;
  }
  const config = resolveSettings(cmd.config());
  const dataDir = config.storage.data_dir;
  const running = readRuntimeFile(dataDir);
  const mirror = readMirrorStatus(dataDir);
  const outbox = openOutboxReaderFor(config);
  let o;
  try {
    o = { ...outbox.summary(), pending_error: outbox.pendingError(), schema_version: outbox.schemaVersion() };
  } catch (err) {
    // SQLite says only "file is not a database": the outbox's code carries what to do.
    throw new OutboxError('CR_ERR_OUTBOX_OPEN', `${dataDir}/outbox.db cannot be read: ${describeCause(err)}`);
  } finally {
    outbox.close();
  }
  let build: UwsBuild | { error: string };
  try {
    build = running?.uws_build ?? loadUws({ allowJsFallback: config.server.allow_js_fallback }).build;
  } catch (err) {
    build = { error: (err as Error).message };
  }

  // The service's settings when it runs (older serve.json files carry none: then ours).
  const mine = runtimeSettings(config);
  const settings = running?.settings ?? mine;
  const differs = running?.settings ? settingsDiff(running.settings, mine) : [];
  const weakened = running?.weakened ?? weakenedSettings(config);
  // The running serve's fact, not ours (its settings may differ); an older serve.json has no
  // database_url: then only base_url counts, as it did.
  const kinds = resolveKinds({ base_url: String(settings['main_system.base_url'] ?? ''), database_url: String(settings['main_system.database_url'] ?? '') });
  const standalone = kinds.standalone;
  const live = running?.shipping ?? null;
  // Standalone, unshipped clicks are not waiting for anything: they are kept until retention.
  const kept = standalone ? o.pending : 0;
  const pending = standalone ? 0 : o.pending;
  const lastError = live?.last_error ?? o.pending_error?.last_error ?? null;
  // The probe asks what this command's configuration names (it holds the credential).
  const sink = CLICK_SINKS[config.clickSink];
  const main = await sink.probe(config);

  const report = {
    version: version(),
    config: config.source || 'built-in defaults',
    data_dir: dataDir,
    server: {
      running: running !== null,
      pid: running?.pid ?? null,
      started_at: running?.started_at ?? null,
      version: running?.version ?? null,
      public_port: running?.public_port ?? null,
      admin_port: running?.admin_port ?? null,
      uws_build: build,
      settings,
      settings_differ: differs,
    },
    mirror: { links: mirror.links, active: mirror.active, inactive: mirror.inactive, last_sync: mirror.last_sync, source: mirror.source, rejected: mirror.rejected, rejected_samples: mirror.rejected_samples, last_error: mirror.last_error, failing: mirror.failing },
    outbox: {
      pending,
      kept_local: kept,
      shipped: o.shipped,
      dead_letter: o.dead_letter,
      oldest_pending: standalone ? null : o.oldest_pending,
      oldest_kept: standalone ? o.oldest_pending : null,
      durability: settings['outbox.durability'],
      schema_version: o.schema_version,
      schema_version_supported: SCHEMA_VERSION,
    },
    shipper: {
      enabled: !standalone,
      mode: settings['shipper.mode'],
      state: standalone ? 'off' : (live?.state ?? (o.pending_error ? 'retrying' : 'unknown')),
      last_success: o.last_shipped_at,
      last_error: standalone ? null : lastError,
      attempt: live?.attempt ?? o.pending_error?.attempts ?? 0,
      next_attempt_at: live?.next_attempt_at ?? null,
    },
    privacy: { weakened },
    main_system: main,
  };

  if (cmd.values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const buildText = 'error' in build ? `NONE: ${build.error}` : describeBuild(build);
  const schema =
    o.schema_version === null
      ? 'no outbox yet'
      : o.schema_version === SCHEMA_VERSION
        ? `outbox schema ${o.schema_version}`
        : o.schema_version > SCHEMA_VERSION
          ? `outbox schema ${o.schema_version}, this build reads ${SCHEMA_VERSION}: UPGRADE NEEDED (written by a newer clickrelay; serve will refuse it)`
          : `outbox schema ${o.schema_version}, this build reads ${SCHEMA_VERSION}: MIGRATION NEEDED (see CHANGELOG.md; serve will refuse it)`;
  const backlog = standalone
    ? `${kept} kept locally (standalone: nothing to ship to; purged after ${settings['privacy.retention_days']} days)${o.oldest_pending ? `, oldest ${o.oldest_pending}` : ''}`
    : `${pending} pending${o.oldest_pending ? ` (oldest ${o.oldest_pending})` : ''}`;
  const shipText = CLICK_SINKS[kinds.clickSink].describe.shipping({ mode: settings['shipper.mode'], baseUrl: settings['main_system.base_url'], where: main.where, lastSuccess: o.last_shipped_at ?? 'never' });
  const lines = [
    `clickrelay ${version()} status (${report.config})`,
    `  server     ${running ? `running${running.version ? ` ${running.version}` : ''}, pid ${running.pid}, public :${running.public_port}, admin :${running.admin_port}, since ${running.started_at}` : 'not running'}`,
    `  uWS build  ${buildText}${running ? '' : ' (what serve would load here)'}`,
    `  mirror     ${mirror.links} links (${mirror.active} active, ${mirror.inactive} inactive), last sync ${mirror.last_sync ?? 'never'}${mirror.source ? ` from ${mirror.source}` : ''}`,
    ...(mirror.last_error ? [`             ${mirror.failing ? 'FAILING: last attempt' : 'last error'} ${mirror.last_error.at}: ${mirror.last_error.code}: ${mirror.last_error.message}`] : []),
    ...Object.entries(mirror.rejected).map(([k, n]) => `             rejected ${k}: ${n}${mirror.rejected_samples[k]?.length ? ` (${mirror.rejected_samples[k]!.join(', ')})` : ''}`),
    `  outbox     ${backlog}, ${o.shipped} shipped, ${o.dead_letter} dead letters; ${settings['outbox.durability']}; ${schema}`,
    `  shipper    ${shipText}`,
    ...sink.describe.reach(main),
  ];
  if (!standalone && live && live.state !== 'idle' && live.state !== 'ok') lines.push(`             ${describeShipping(live)}`);
  else if (!standalone && !live && o.pending_error) lines.push(`             last attempt failed: ${o.pending_error.last_error} (attempt ${o.pending_error.attempts})`);
  for (const w of weakened) lines.push(`  ! privacy  ${describeWeakened(w)}: ${w.effect}`);
  const broad = tooBroadProxies(Array.isArray(settings['server.trust_proxy']) ? (settings['server.trust_proxy'] as string[]) : config.server.trust_proxy);
  if (broad.length > 0) lines.push(`  ! proxy    ${describeBroadProxies(broad)}`);
  if (o.dead_letter > 0) lines.push(`  ! ${o.dead_letter} clicks rejected by the main system: clickrelay dead-letters list`);
  if (differs.length > 0) {
    lines.push(`  ! the running serve uses other settings than ${report.config} (shown above: the service's):`);
    for (const d of differs) lines.push(`      ${d.key}: running ${JSON.stringify(d.running)}, here ${JSON.stringify(d.here)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
