/**
 * Run the reference main system as a process (demos, benchmarks, e2e tests):
 *
 *   node test/support/ref-main-system/main.mjs --key secret [--port 8090] [--host 127.0.0.1]
 *        [--db path/main.db] [--links 1000000] [--seed 1] [--poison id1,id2] [--synchronous normal|off]
 *        [--faults drift,empty,endless]   (listing faults: is_active as strings, an empty listing, cursors for ever)
 *
 * Prints one JSON line {"url","port","links"} once listening; SIGTERM/SIGINT close it.
 * The key may also come from $REF_MAIN_SYSTEM_API_KEY.
 */
import { parseArgs } from 'node:util';
import { startRefMainSystem } from './server.js';

const { values } = parseArgs({
  options: {
    key: { type: 'string' },
    port: { type: 'string', default: '8090' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string' },
    links: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    poison: { type: 'string' },
    synchronous: { type: 'string', default: 'normal' },
    faults: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write('usage: main.mjs --key KEY [--port N] [--host H] [--db FILE] [--links N] [--seed N] [--poison a,b] [--synchronous normal|off] [--faults drift,empty,endless]\n');
  process.exit(0);
}
if (values.synchronous !== 'normal' && values.synchronous !== 'off') {
  process.stderr.write(`ref-main-system: --synchronous must be normal or off, not ${values.synchronous}\n`);
  process.exit(2);
}
const apiKey = values.key ?? process.env['REF_MAIN_SYSTEM_API_KEY'];
if (!apiKey) {
  process.stderr.write('ref-main-system: --key (or $REF_MAIN_SYSTEM_API_KEY) is required\n');
  process.exit(2);
}

const t0 = Date.now();
const ms = await startRefMainSystem({
  apiKey,
  port: Number(values.port),
  host: values.host,
  seed: Number(values.seed),
  links: Number(values.links),
  synchronous: values.synchronous,
  ...(values.db ? { dbPath: values.db } : {}),
});
for (const id of (values.poison ?? '').split(',').filter(Boolean)) ms.faults.poisonTrackingIds.add(id);
for (const f of (values.faults ?? '').split(',').filter(Boolean)) {
  if (f === 'drift') ms.faults.driftIsActive = {};
  else if (f === 'empty') ms.faults.emptyListing = {};
  else if (f === 'endless') ms.faults.endlessCursors = true;
  else {
    process.stderr.write(`ref-main-system: unknown --faults entry ${f} (drift, empty, endless)\n`);
    process.exit(2);
  }
}
process.stdout.write(JSON.stringify({ url: ms.url, port: ms.port, links: ms.linkCount(), startup_ms: Date.now() - t0 }) + '\n');

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void ms.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
