/**
 * `clickrelay dead-letters list|requeue|purge [--id ID]…`: clicks the main system
 * rejected for good wait here for a person. Re-queue them once the cause is fixed, or
 * purge them (recorded as a chain checkpoint, so the audit still verifies). Every outbox
 * shard present is covered: click ids are unique across shards, so an id names one click,
 * and each shard's change goes through its own writer (its own chain and checkpoints).
 */
import { resolveSettings } from '../../config/settings.js';
import { openOutboxesBesideFor, openOutboxReaderFor, openOutboxShardsFor } from '../../service/stages.js';
import { parseCommand, usageError, printHelp } from '../args.js';
import { ensureDataDir } from '../../fs/data-dir.js';
import { describeHolder, tryLockDataDir } from '../../fs/data-dir-lock.js';

export async function deadLetters(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const cmd = parseCommand(rest, { id: { type: 'string', multiple: true }, all: { type: 'boolean' }, json: { type: 'boolean' } }, { writes: action !== 'list' });
  if (cmd.help || !action || action === '--help') {
    printHelp('clickrelay dead-letters list [--json] | requeue [--id ID]… | purge --id ID… | purge --all  [--config FILE]\n  Without --id, requeue acts on every dead letter. purge deletes for good, so it needs the ids, or --all to delete every dead letter.\n');
    return action ? 0 : 2;
  }
  const config = resolveSettings(cmd.config());
  const ids = (cmd.values.id as unknown as string[] | undefined) ?? undefined;
  if (action === 'list') {
    const ro = openOutboxReaderFor(config);
    const dead = ro.shards.flatMap((shard) => [...shard.clicks()].filter((c) => c.state === 'dead'));
    ro.close();
    // Several shards: one list in time order, as if from one outbox.
    if (ro.shards.length > 1) dead.sort((a, b) => (a.click.clicked_at < b.click.clicked_at ? -1 : a.click.clicked_at > b.click.clicked_at ? 1 : a.click.click_id < b.click.click_id ? -1 : 1));
    if (cmd.values.json) process.stdout.write(JSON.stringify(dead.map((d) => ({ click_id: d.click.click_id, tracking_id: d.click.tracking_id, clicked_at: d.click.clicked_at, reason: d.dead_reason })), null, 2) + '\n');
    else for (const d of dead) process.stdout.write(`${d.click.click_id}  ${d.click.tracking_id}  ${d.click.clicked_at}  ${d.dead_reason ?? ''}\n`);
    if (!cmd.values.json) process.stdout.write(`${dead.length} dead letters\n`);
    return 0;
  }
  if (action !== 'requeue' && action !== 'purge') usageError(`dead-letters: unknown action "${action}" (list, requeue or purge)`);
  // Purging cannot be undone: "every dead letter" must be asked for, not the fallout of a
  // forgotten --id.
  if (action === 'purge' && !ids && cmd.values.all !== true) usageError('dead-letters purge deletes for good: name the clicks with --id ID (repeatable), or pass --all to purge every dead letter');
  if (action === 'purge' && ids && cmd.values.all === true) usageError('dead-letters purge: --id and --all exclude each other');
  const dir = config.storage.data_dir;
  ensureDataDir(dir);
  const attempt = tryLockDataDir(dir, `dead-letters ${action}`);
  let n = 0;
  if ('heldBy' in attempt) {
    // A serve (or another command) writes the folder: change the rows through SQLite beside
    // it; its writer notices within its shipper's poll and ships re-queued clicks (README).
    for (const ops of openOutboxesBesideFor(config)) {
      try {
        n += action === 'requeue' ? await ops.requeueDead(ids) : await ops.purgeDead(ids);
      } finally {
        ops.close();
      }
    }
    process.stderr.write(`${dir} is in use by ${describeHolder(attempt.heldBy)}: changed in its outbox files beside it; it picks the change up within seconds\n`);
  } else {
    // Durable whatever serve uses: a requeue or purge the command reported must be on disk.
    try {
      const outbox = await openOutboxShardsFor(config, [], { durability: 'durable' });
      try {
        n = action === 'requeue' ? await outbox.set.requeueDead(ids) : await outbox.set.purgeDead(ids);
      } finally {
        await outbox.close();
      }
    } finally {
      attempt.lock.release();
    }
  }
  process.stdout.write(`${action === 'requeue' ? 're-queued' : 'purged'} ${n} dead letters\n`);
  return 0;
}
