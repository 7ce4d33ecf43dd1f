/**
 * One process writes a data folder (issue #26): a second `serve` on the same folder, on other
 * ports, is refused with one coded line naming the first, while the first keeps every click it
 * answered (each marked by a unique tag); `ship --once` asks the serve instead of shipping beside it; a SIGKILLed serve does not
 * block the next start (the kernel drops its lock).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedTags } from '../../support/shards.js';
import { refusalLines, runCli, serveEnv, waitReady } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';
import { cli } from '../audit/cli.js';
import { oneLinkFolder } from '../../support/one-link-folder.js';

const { root, links } = oneLinkFolder('cr-lock-', 'lt_lock');

/** Clicks on `port` tagged t<n> until `stop()` says so; the tags of the 302s received. */
function load(port: number, prefix: string) {
  const answered = new Set<string>();
  let n = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const tag = `${prefix}${n++}`;
      try {
        const r = await fetch(`http://127.0.0.1:${port}/track/lt_lock?utm_content=${tag}`, { redirect: 'manual' });
        if (r.status === 302) answered.add(tag);
      } catch {
        /* no listener there (refused serve) or the kill cut it: not answered */
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  return { answered, stop: async () => ((stopped = true), await Promise.all(clients)) };
}

describe('two processes on one data folder', () => {
  it('refuses the second serve with a coded line naming the first; every answered click is stored', async () => {
    const data = join(root, 'two');
    const envA = await serveEnv(data, links, { CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-open' });
    const envB = await serveEnv(data, links, { CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-open' });
    const a = runCli(['serve'], envA);
    await waitReady(Number(envA.CLICKRELAY_ADMIN_PORT), a);
    const onA = load(Number(envA.CLICKRELAY_SERVER_PORT), 'a');
    const onB = load(Number(envB.CLICKRELAY_SERVER_PORT), 'b');
    await waitFor('clicks answered by the first serve', () => onA.answered.size >= 200);

    const b = runCli(['serve'], envB);
    expect(await b.exited).toBe(1);
    const lines = refusalLines(b.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^clickrelay: CR_ERR_DATA_DIR_LOCKED: storage.data_dir ${data} is in use by clickrelay serve \\(pid ${a.proc.pid},`));

    // ship --once never ships beside it: it asks the running serve, whose shipper would do it
    // (this one is standalone, so it answers there is nowhere to ship to).
    const ship = await cli(['ship', '--once'], { CLICKRELAY_STORAGE_DATA_DIR: data, CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://127.0.0.1:9', CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k' });
    expect(ship.code, ship.stderr).toBe(1);
    expect(ship.stderr).toMatch(new RegExp(`^clickrelay: CR_ERR_ADMIN_CONTROL: clickrelay serve \\(pid ${a.proc.pid}\\) answered .*/admin/ship with HTTP 503: .*standalone`, 'm'));
    // Standalone here as well: nowhere to ship to, said as without a serve (exit 2), nothing asked.
    const standalone = await cli(['ship', '--once'], { CLICKRELAY_STORAGE_DATA_DIR: data });
    expect(standalone.code, standalone.stderr).toBe(2);
    expect(standalone.stderr).toMatch(/standalone\): there is nowhere to ship to/);
    expect(standalone.stderr).not.toContain('done by the running serve');

    const more = onA.answered.size;
    await waitFor('clicks still answered after the refusal', () => onA.answered.size >= more + 100);
    await Promise.all([onA.stop(), onB.stop()]);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(onB.answered.size, 'nothing answered on the refused serve').toBe(0);

    // Every shard the serving threads wrote (outbox.db, outbox-1.db, …), each click once.
    const { tags: stored, twice } = storedTags(data, 'utm_content');
    expect(twice).toEqual([]);
    expect([...onA.answered].filter((t) => !stored.has(t))).toEqual([]);
  }, 90_000);

  it('lets a new serve start at once after a SIGKILL', async () => {
    const data = join(root, 'killed');
    const env = await serveEnv(data, links);
    const first = runCli(['serve'], env);
    await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), first);
    first.proc.kill('SIGKILL');
    await first.exited;
    const next = runCli(['serve'], env);
    await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), next);
    next.proc.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(next.output()).not.toContain('CR_ERR_DATA_DIR_LOCKED');
  }, 60_000);
});
