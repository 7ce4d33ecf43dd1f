/**
 * `clickrelay ship --once [--timeout S]`: ship everything shippable now, waiting out
 * backoffs up to S seconds (default 60). Exit 1 if anything is still pending; dead
 * letters are reported, not counted as pending. With a serve running on the data folder, its
 * own shipper does it (POST /admin/ship, running-serve.ts: never a second shipper, and the
 * serve has the credentials); else a shipper of this process, from every outbox shard present.
 */
import { CLICK_SINKS, pausedWords } from '../../adapters/registry.js';
import { resolveSettings, type ClickSinkKind, type Settings } from '../../config/settings.js';
import { ensureDataDir } from '../../fs/data-dir.js';
import { lockDataDir } from '../../fs/data-dir-lock.js';
import { ConfigError } from '../../errors.js';
import { ShippingState } from '../../shipper/index.js';
import { shipNow, type ShipAnswer } from '../../shipper/ship-now.js';
import { SHIP_DEFAULT_TIMEOUT_S, SHIP_PATH } from '../../service/admin-control.js';
import { createShipperFor, openOutboxShardsFor } from '../../service/stages.js';
import { parseCommand, usageError, printHelp } from '../args.js';
import { progress } from '../progress.js';
import { askServe, doneBy, runningServe } from '../running-serve.js';

export async function ship(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { once: { type: 'boolean' }, timeout: { type: 'string' } }, { writes: true });
  if (cmd.help || !cmd.values.once) {
    printHelp(
      `clickrelay ship --once [--timeout S] [--config FILE]\n  Ships every pending click now (waiting out backoffs up to S seconds, default ${SHIP_DEFAULT_TIMEOUT_S}), then exits; non-zero if any is still pending.\n` +
        '  With serve running on the data folder, its shipper ships (asked through its admin listener, with its own credentials; no key is needed here) and this prints its answer.\n',
    );
    return cmd.help ? 0 : 2;
  }
  const timeoutS = cmd.values.timeout === undefined ? SHIP_DEFAULT_TIMEOUT_S : Number(cmd.values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) usageError(`--timeout ${String(cmd.values.timeout)} is not a number of seconds`);
  const config = cmd.loadConfig();
  const settings = resolveSettings(config);
  // Standalone in this configuration: nowhere to ship to, whether a serve runs or not (exit 2,
  // as documented), rather than asking a serve that would only say the same.
  const sink = CLICK_SINKS[settings.clickSink];
  if (!sink.delivers) {
    throw new ConfigError('ship: main_system.base_url and main_system.database_url are empty (standalone): there is nowhere to ship to (or set shipper.sink = "nats" and [nats])');
  }
  const serve = runningServe(settings);
  if (serve) {
    const answer = (await askServe(settings, serve, SHIP_PATH, { timeout_s: timeoutS }, timeoutS)) as ShipAnswer;
    process.stderr.write(doneBy('ship --once', serve));
    return printed(answer, CLICK_SINKS[answer.sink as ClickSinkKind] ?? CLICK_SINKS[settings.clickSink], timeoutS);
  }
  cmd.actAsOwner(config);
  ensureDataDir(settings.storage.data_dir);
  // Two shippers on one outbox would send every click twice and count it wrong. A serve that
  // runs is asked (above); this lock stops a second ship --once, or a serve still starting.
  const lock = lockDataDir(settings.storage.data_dir, 'ship --once', 'wait until it has finished, then run ship --once again (with serve running, ship --once asks the serve to ship)');
  try {
    return printed(await shipOnce(settings, sink, timeoutS), sink, timeoutS);
  } finally {
    lock.release();
  }
}

async function shipOnce(settings: Settings, sink: (typeof CLICK_SINKS)[ClickSinkKind], timeoutS: number): Promise<ShipAnswer> {
  const shards = await openOutboxShardsFor(settings, []);
  const outbox = shards.set;
  // The shipper's events feed both.
  const state = new ShippingState(true, undefined, Date.now, pausedWords(sink));
  let done = 0;
  const bar = progress('ship', 'clicks', process.stderr.isTTY ? (await outbox.stats()).pending : 0);
  // Not standalone (checked above), so there is a shipper; no linger: everything goes now.
  const shipper = createShipperFor(
    settings,
    outbox,
    (e) => {
      state.note(e);
      if (e.type === 'shipped' || e.type === 'dead_letter') bar.update((done += e.count));
    },
    { lingerMs: 0 },
  )!;
  try {
    return await shipNow(shipper, state, settings.clickSink, timeoutS * 1000);
  } finally {
    bar.stop();
    await shipper.stop({ graceMs: 1000 });
    await shards.close();
  }
}

/** The same lines whichever process shipped; exit 1 while anything is still pending. */
function printed(a: ShipAnswer, sink: (typeof CLICK_SINKS)[ClickSinkKind], timeoutS: number): number {
  process.stdout.write(
    `shipped ${a.shipped} clicks (${a.duplicates} already recorded by ${sink.mainSystem ? 'the main system' : 'the sink'}), ${a.pending} still pending, ${a.dead_letter} dead letters` +
      (a.paused ? sink.describe.paused : '') +
      '\n' +
      // "3 still pending" alone leaves the operator to dig in SQLite and the log for why.
      (a.pending > 0 && a.last_error ? `why: ${a.last_error}${a.attempt ? ` (attempt ${a.attempt}${a.next_attempt_at ? `, next would be in ${Math.max(0, Math.round((Date.parse(a.next_attempt_at) - Date.now()) / 1000))} s` : ''})` : ''}; gave up after --timeout ${timeoutS} s\n` : ''),
  );
  return a.pending > 0 ? 1 : 0;
}
