/**
 * `clickrelay status [--json]`: what a sysadmin asks first. Reads the data folder only
 * (works whether or not `serve` runs). When a serve runs, its settings, shipper state and
 * uWS build come from its serve.json — status reports the service, not the configuration
 * this command happened to be started with — and any setting that differs is named.
 */
import { existsSync } from 'node:fs';
import { describeWeakened, weakenedSettings } from '../../notice/index.js';
import { CLICK_SINKS, transportWeakened } from '../../adapters/registry.js';
import { describeBroadProxies, tooBroadProxies } from '../../lib/trusted-proxies.js';
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
import { openCountryDb } from '../../country/country-db.js';
import { countryDbLines, countryDbStatus, type CountryDbStatus } from '../../country/country-status.js';
import type { RuntimeSettings } from '../../service/runtime-file.js';
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
    o = { ...outbox.summary(), pending_error: outbox.pendingError(), schema_version: outbox.schemaVersion(), shards: outbox.shardSummaries() };
  } catch (err) {
    // SQLite says only "file is not a database": the outbox's code carries what to do.
    throw new OutboxError('CR_ERR_OUTBOX_OPEN', `${outbox.shards.length > 1 ? `an outbox shard in ${dataDir}` : `${dataDir}/outbox.db`} cannot be read: ${describeCause(err)}`);
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
  const weakened = running?.weakened ?? [...weakenedSettings(config), ...transportWeakened(config)];
  // The running serve's fact, not ours (its settings may differ); an older serve.json has no
  // database_url: then only base_url counts, as it did.
  const kinds = resolveKinds({ base_url: String(settings['main_system.base_url'] ?? ''), database_url: String(settings['main_system.database_url'] ?? '') }, String(settings['shipper.sink'] ?? 'main_system'));
  const standalone = kinds.standalone;
  const live = running?.shipping ?? null;
  // Standalone, unshipped clicks are not waiting for anything: they are kept until retention.
  const kept = standalone ? o.pending : 0;
  const pending = standalone ? 0 : o.pending;
  const lastError = live?.last_error ?? o.pending_error?.last_error ?? null;
  // Pending clicks wait for delivery however old (standalone: purged at retention): said, not hidden.
  const retentionDays = Number(settings['privacy.retention_days']);
  const pendingPastRetention = !standalone && o.oldest_pending !== null && o.oldest_pending < new Date(Date.now() - retentionDays * 86_400_000).toISOString();
  // The probe asks what this command's configuration names (it holds the credential).
  const sink = CLICK_SINKS[config.clickSink];
  const main = await sink.probe(config);
  const country = countryInUse(settings, config.privacy.country_db_max_age_days);

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
      pending_past_retention: pendingPastRetention,
      oldest_kept: standalone ? o.oldest_pending : null,
      durability: settings['outbox.durability'],
      schema_version: o.schema_version,
      schema_version_supported: SCHEMA_VERSION,
      // The figures above are sums over these: one per outbox shard present (outbox.db, outbox-1.db, …).
      shards: o.shards.map((sh) => ({
        shard: sh.shard,
        file: sh.file,
        pending: standalone ? 0 : sh.pending,
        kept_local: standalone ? sh.pending : 0,
        shipped: sh.shipped,
        dead_letter: sh.dead_letter,
        oldest_pending: sh.oldest_pending,
        last_seq: sh.last_seq,
      })),
    },
    shipper: {
      enabled: !standalone,
      sink: kinds.clickSink,
      mode: settings['shipper.mode'],
      state: standalone ? 'off' : (live?.state ?? (o.pending_error ? 'retrying' : 'unknown')),
      last_success: o.last_shipped_at,
      last_error: standalone ? null : lastError,
      // Set when a later shipment succeeded after last_error: it is history, not the state.
      last_error_cleared_at: !standalone && lastError && live?.last_error_at && live.last_success && live.last_success >= live.last_error_at ? live.last_success : null,
      attempt: live?.attempt ?? o.pending_error?.attempts ?? 0,
      next_attempt_at: live?.next_attempt_at ?? null,
    },
    privacy: { weakened, country },
    main_system: main,
  };

  if (cmd.values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const buildText = 'error' in build ? `NONE: ${build.error}` : describeBuild(build);
  const schema =
    o.schema_version === null
      ? `no outbox yet in ${dataDir}`
      : o.schema_version === SCHEMA_VERSION
        ? `outbox schema ${o.schema_version}`
        : o.schema_version > SCHEMA_VERSION
          ? `outbox schema ${o.schema_version}, this build reads ${SCHEMA_VERSION}: UPGRADE NEEDED (written by a newer clickrelay; serve will refuse it)`
          : `outbox schema ${o.schema_version}, this build reads ${SCHEMA_VERSION} (serve migrates it at start, see CHANGELOG.md)`;
  const backlog = standalone
    ? `${kept} kept locally (standalone: nothing to ship to; purged after ${settings['privacy.retention_days']} days)${o.oldest_pending ? `, oldest ${o.oldest_pending}` : ''}`
    : `${pending} pending${o.oldest_pending ? ` (oldest ${o.oldest_pending})` : ''}`;
  const shipText = CLICK_SINKS[kinds.clickSink].describe.shipping({ mode: settings['shipper.mode'], baseUrl: settings['main_system.base_url'], where: main.where, lastSuccess: o.last_shipped_at ?? 'never' });
  const lines = [
    `clickrelay ${version()} status (${report.config})`,
    // Every "nothing here" names the folder it looked in: a relative data_dir resolved against
    // another config's folder (or a missing CLICKRELAY_STORAGE_DATA_DIR) must show.
    `  data dir   ${dataDir}${existsSync(dataDir) ? '' : ' (DOES NOT EXIST: check storage.data_dir; a relative path is resolved against the config file\'s folder)'}`,
    `  server     ${running ? `running${running.version ? ` ${running.version}` : ''}, pid ${running.pid}, public :${running.public_port}, admin :${running.admin_port}, since ${running.started_at}` : `not running (no live serve.json in ${dataDir})`}`,
    `  uWS build  ${buildText}${running ? '' : ' (what serve would load here)'}`,
    `  mirror     ${mirror.last_sync === null && mirror.links === 0 ? `no mirror yet in ${dataDir}; ` : ''}${mirror.links} links (${mirror.active} active, ${mirror.inactive} inactive), last sync ${mirror.last_sync ?? 'never'}${mirror.source ? ` from ${mirror.source}` : ''}`,
    // An error a later sync cleared is history, said as such (with when): not a current fault.
    ...(mirror.last_error
      ? [
          mirror.failing
            ? `             FAILING: last attempt ${mirror.last_error.at}: ${mirror.last_error.code}: ${mirror.last_error.message}`
            : `             past error ${mirror.last_error.at}, cleared by the successful sync at ${mirror.last_sync}: ${mirror.last_error.code}: ${mirror.last_error.message}`,
        ]
      : []),
    ...Object.entries(mirror.rejected).map(([k, n]) => `             rejected ${k}: ${n}${mirror.rejected_samples[k]?.length ? ` (${mirror.rejected_samples[k]!.join(', ')})` : ''}`),
    `  outbox     ${backlog}, ${o.shipped} shipped, ${o.dead_letter} dead letters; ${settings['outbox.durability']}; ${schema}`,
    ...(o.shards.length > 1 ? [`             in ${o.shards.length} shards: ${o.shards.map((sh) => `${sh.file} ${sh.pending} ${standalone ? 'kept' : 'pending'}, ${sh.shipped} shipped, ${sh.dead_letter} dead`).join('; ')}`] : []),
    `  shipper    ${shipText}`,
    ...sink.describe.reach(main),
  ];
  if (!standalone && live && live.state !== 'idle' && live.state !== 'ok') lines.push(`             ${describeShipping(live)}`);
  else if (!standalone && !live && o.pending_error) lines.push(`             last attempt failed: ${o.pending_error.last_error} (attempt ${o.pending_error.attempts})`);
  if (country) {
    const [first, ...rest] = 'error' in country ? [`NOT USABLE: ${country.error}`] : countryDbLines(country);
    lines.push(`  country    ${first}`, ...rest.map((l) => `             ${l}`));
  }
  for (const w of weakened) lines.push(w.key.startsWith('privacy.') ? `  ! privacy  ${describeWeakened(w)}: ${w.effect}` : `  ! transport ${w.effect}`);
  if (pendingPastRetention) lines.push(`  ! pending clicks older than privacy.retention_days (${retentionDays}), the oldest from ${o.oldest_pending}: kept until the main system takes them (see shipper above)`);
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

/**
 * The country database the running serve uses (its privacy.country_db; a replaced file is the
 * one serve swapped in), with its age and licence; null when privacy.country is off.
 */
function countryInUse(settings: RuntimeSettings, maxAgeDays: number): CountryDbStatus | { error: string } | null {
  if (settings['privacy.country'] !== 'country') return null;
  try {
    const db = openCountryDb(String(settings['privacy.country_db'] ?? ''));
    return countryDbStatus({ file: db.file, builtAt: new Date(db.builtAt), databaseType: db.databaseType, bundled: db.bundled }, new Date(), Number(settings['privacy.country_db_max_age_days'] ?? maxAgeDays));
  } catch (err) {
    return { error: (err as Error).message };
  }
}
