/**
 * `clickrelay erase --id ID… [--reason TEXT]`: a reviewer's correction. Deletes the named
 * clicks whatever their state and records the erasure in the audit chain (checkpoints of
 * reason "erase" with the reason given), so `audit` still verifies and lists it. Safe while
 * `serve` runs: see src/outbox/erase.ts.
 */
import { resolveSettings } from '../../config/settings.js';
import { eraseClicksFor } from '../../service/stages.js';
import { parseCommand, printHelp, usageError } from '../args.js';

const HELP = `clickrelay erase --id ID… [--reason TEXT] [--json] [--config FILE]
  Deletes the named clicks from the outbox for good, whatever their state (pending, shipped or dead letter), and records the erasure in the audit chain with its reason, so \`clickrelay audit\` still verifies and lists it. For a click stored with personal data by mistake (audit rule utm_personal_data). Safe while serve runs.
  A click already shipped is in the main system too: erase it there as well.
  --id ID        a click id (repeatable)
  --reason TEXT  why, kept with the erasure in outbox.db and shown by audit
  --json         what was erased, as JSON
  Exit status 1 when an id was not found (the others are erased).
`;

const MAX_REASON = 500;

export async function erase(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv, { id: { type: 'string', multiple: true }, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (cmd.help) {
    printHelp(HELP);
    return 0;
  }
  const ids = (cmd.values.id as unknown as string[] | undefined) ?? [];
  if (ids.length === 0 || ids.some((id) => id.trim() === '')) usageError('erase deletes for good: name the clicks with --id ID (repeatable)');
  const reason = typeof cmd.values.reason === 'string' ? cmd.values.reason.trim() : '';
  if (reason.length > MAX_REASON || /[\p{Cc}]/u.test(reason)) usageError(`erase: --reason must be one line of at most ${MAX_REASON} characters`);
  const settings = resolveSettings(cmd.config());
  const r = eraseClicksFor(settings, ids, reason === '' ? null : reason);
  const missing = [...new Set(ids)].filter((id) => !r.found.includes(id));
  if (cmd.values.json) {
    process.stdout.write(`${JSON.stringify({ erased: r.found, by_state: r.erased, not_found: missing, reason: reason || null }, null, 2)}\n`);
  } else {
    const n = r.found.length;
    process.stdout.write(`erased ${n} click${n === 1 ? '' : 's'} (${r.erased.pending} pending, ${r.erased.shipped} shipped, ${r.erased.dead} dead letters); recorded in the audit chain\n`);
    if (r.erased.shipped > 0) process.stdout.write(`${r.erased.shipped} had been shipped: erase them in the main system too\n`);
    for (const id of missing) process.stdout.write(`not found: ${id}\n`);
  }
  return missing.length === 0 ? 0 : 1;
}
