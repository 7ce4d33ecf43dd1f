/**
 * `clickrelay ship --once [--timeout S]`: ship everything shippable now, waiting out
 * backoffs up to S seconds (default 60). Exit 1 if anything is still pending; dead
 * letters are reported, not counted as pending. Ships from every outbox shard present.
 */
import { CLICK_SINKS, pausedWords } from '../../adapters/registry.js';
import { resolveSettings, type Settings } from '../../config/settings.js';
import { ensureDataDir } from '../../fs/data-dir.js';
import { lockDataDir } from '../../fs/data-dir-lock.js';
import { ConfigError } from '../../errors.js';
import { ShippingState } from '../../shipper/index.js';
import { createShipperFor, openOutboxShardsFor } from '../../service/stages.js';
import { parseCommand, usageError, printHelp } from '../args.js';
import { progress } from '../progress.js';

export async function ship(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { once: { type: 'boolean' }, timeout: { type: 'string' } }, { writes: true });
  if (cmd.help || !cmd.values.once) {
    printHelp('clickrelay ship --once [--timeout S] [--config FILE]\n  Ships every pending click now (waiting out backoffs up to S seconds, default 60), then exits; non-zero if any is still pending.\n');
    return cmd.help ? 0 : 2;
  }
  const timeoutS = cmd.values.timeout === undefined ? 60 : Number(cmd.values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) usageError(`--timeout ${String(cmd.values.timeout)} is not a number of seconds`);
  const settings = resolveSettings(cmd.config());
  const sink = CLICK_SINKS[settings.clickSink];
  if (!sink.delivers) {
    throw new ConfigError('ship: main_system.base_url and main_system.database_url are empty (standalone): there is nowhere to ship to (or set shipper.sink = "nats" and [nats])');
  }
  ensureDataDir(settings.storage.data_dir);
  // Two shippers on one outbox would send every click twice and count it wrong: a running
  // serve already ships, so this one stands aside.
  const lock = lockDataDir(settings.storage.data_dir, 'ship --once', 'it ships this folder\'s clicks itself (clickrelay status shows the backlog and why it waits); stop it first to ship by hand');
  try {
    return await shipOnce(settings, sink, timeoutS);
  } finally {
    lock.release();
  }
}

async function shipOnce(settings: Settings, sink: (typeof CLICK_SINKS)[keyof typeof CLICK_SINKS], timeoutS: number): Promise<number> {
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
    const r = await shipper.drain({ timeoutMs: timeoutS * 1000 });
    bar.stop();
    const s = shipper.stats();
    const now = state.snapshot();
    process.stdout.write(
      `shipped ${s.shipped} clicks (${s.duplicates} already recorded by ${sink.mainSystem ? 'the main system' : 'the sink'}), ${r.pending} still pending, ${r.dead_letter} dead letters` +
        (r.paused ? sink.describe.paused : '') +
        '\n' +
        // "3 still pending" alone leaves the operator to dig in SQLite and the log for why.
        (r.pending > 0 && now.last_error ? `why: ${now.last_error}${now.attempt ? ` (attempt ${now.attempt}${now.next_attempt_at ? `, next would be in ${Math.max(0, Math.round((Date.parse(now.next_attempt_at) - Date.now()) / 1000))} s` : ''})` : ''}; gave up after --timeout ${timeoutS} s\n` : ''),
    );
    return r.pending > 0 ? 1 : 0;
  } finally {
    bar.stop();
    await shipper.stop({ graceMs: 1000 });
    await shards.close();
  }
}
