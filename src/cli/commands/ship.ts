/**
 * `clickrelay ship --once [--timeout S]`: ship everything shippable now, waiting out
 * backoffs up to S seconds (default 60). Exit 1 if anything is still pending; dead
 * letters are reported, not counted as pending.
 */
import { readApiKey } from '../../mirror/index.js';
import { Outbox } from '../../outbox/index.js';
import { createShipper } from '../../shipper/index.js';
import { mainSystemAdapter } from '../../main-system/adapter.js';
import { openClickSink } from '../../main-system/postgres/index.js';
import { parseCommand, usageError } from '../args.js';

export async function ship(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { once: { type: 'boolean' }, timeout: { type: 'string' } });
  if (cmd.help || !cmd.values.once) {
    process.stdout.write('clickrelay ship --once [--timeout S] [--config FILE]\n  Ships every pending click now (waiting out backoffs up to S seconds, default 60), then exits; non-zero if any is still pending.\n');
    return cmd.help ? 0 : 2;
  }
  const timeoutS = cmd.values.timeout === undefined ? 60 : Number(cmd.values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) usageError(`--timeout ${String(cmd.values.timeout)} is not a number of seconds`);
  const config = cmd.config();
  const adapter = mainSystemAdapter(config.main_system);
  if (adapter === null) {
    process.stderr.write('clickrelay ship: main_system.base_url and main_system.database_url are empty (standalone): there is nowhere to ship to\n');
    return 1;
  }
  const outbox = await Outbox.open({ dataDir: config.storage.data_dir, durability: config.outbox.durability, commitIntervalMs: config.outbox.commit_interval_ms });
  const shipper = createShipper({
    outbox,
    baseUrl: config.main_system.base_url,
    apiKey: adapter === 'http' ? readApiKey(config.main_system).reveal() : '',
    ...(adapter === 'postgres' ? { sink: openClickSink(config.main_system, config.shipper.concurrency) } : {}),
    mode: config.shipper.mode,
    batchSize: config.shipper.batch_size,
    lingerMs: 0,
    concurrency: config.shipper.concurrency,
    timeoutMs: config.main_system.timeout_ms,
    maxBackoffMs: config.shipper.max_backoff_ms,
  });
  try {
    const r = await shipper.drain({ timeoutMs: timeoutS * 1000 });
    const s = shipper.stats();
    process.stdout.write(
      `shipped ${s.shipped} clicks (${s.duplicates} already recorded by the main system), ${r.pending} still pending, ${r.dead_letter} dead letters` +
        (r.paused ? (adapter === 'postgres' ? "; the main system's database refused the login or the INSERT right (see the GRANTs in the README)" : '; the main system rejected the API key') : '') +
        '\n',
    );
    return r.pending > 0 ? 1 : 0;
  } finally {
    await shipper.stop({ graceMs: 1000 });
    await outbox.close();
  }
}
