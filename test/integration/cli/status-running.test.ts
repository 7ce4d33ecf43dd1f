/**
 * `status` reports the running serve (its settings, its shipper and why it fails), not the
 * configuration it was itself started with; `ship --once` says why clicks are still pending;
 * in standalone mode clicks are "kept locally", with their own metric, never "pending".
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mixedClicks, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { freePort, runCli, waitReady, type Child } from '../../support/child-service.js';
import { cli, dataDirEnv } from '../audit/cli.js';
import { waitFor as until } from '../../support/wait-for.js';

/** A port nothing listens on: bound, then closed (connections to it are refused). */
async function closedPort(): Promise<number> {
  return freePort();
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  await child.exited;
}

describe('status reports the running service', () => {
  it('names why shipping fails (ECONNREFUSED, attempt, next try) and the settings that differ from its own', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(3));
    const down = await closedPort();
    const admin = await freePort();
    const serveEnv = dataDirEnv(dir, {
      CLICKRELAY_SERVER_PORT: '0',
      CLICKRELAY_ADMIN_PORT: String(admin),
      CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${down}`,
      CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k',
      CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '500',
      CLICKRELAY_SYNC_MISS_LOOKUP: 'false',
    });
    const child = runCli(['serve'], serveEnv);
    try {
      // The sync fails too (the main system is down), so /readyz stays 503: wait for serve.json.
      type Status = { shipper: { enabled: boolean; state: string; last_error: string | null; attempt: number; next_attempt_at: string | null }; outbox: { pending: number; kept_local: number }; server: { running: boolean; settings_differ: { key: string; running: unknown; here: unknown }[] } };
      let st: Status | null = null;
      // Asked with the CLI's own configuration standalone: the answer must still be the service's.
      await until('a failed shipping attempt in status', async () => {
        const r = await cli(['status', '--json'], dataDirEnv(dir));
        if (r.code !== 0) return false;
        st = JSON.parse(r.stdout) as Status;
        return st.server.running && st.shipper.attempt >= 2;
      }, { timeoutMs: 40_000, stepMs: 200 }); // each poll runs the CLI: not a tight loop
      const s = st!;
      expect(s.shipper.enabled).toBe(true);
      expect(s.shipper.state).toBe('retrying');
      expect(s.shipper.last_error).toContain(`ECONNREFUSED 127.0.0.1:${down}`);
      expect(s.shipper.next_attempt_at).not.toBeNull();
      expect(s.outbox).toMatchObject({ pending: 3, kept_local: 0 });
      expect(s.server.settings_differ).toContainEqual({ key: 'main_system.base_url', running: `http://127.0.0.1:${down}`, here: '' });

      const text = (await cli(['status'], dataDirEnv(dir))).stdout;
      expect(text).toMatch(/shipper {4}batch mode to http:\/\/127\.0\.0\.1:\d+, last success never/);
      expect(text).toMatch(new RegExp(`failing: (ECONNREFUSED: connect )?ECONNREFUSED 127\\.0\\.0\\.1:${down}, attempt \\d+, next in \\d+ s`));
      expect(text).not.toContain('off (standalone');
      expect(text).toContain('! the running serve uses other settings than built-in defaults');
      expect(text).toMatch(/main_system\.base_url: running "http:\/\/127\.0\.0\.1:\d+", here ""/);
    } finally {
      await stop(child);
    }
    // Stopped: status falls back to what the outbox recorded about the last attempt.
    const after = (await cli(['status'], dataDirEnv(dir, { CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${down}` }))).stdout;
    expect(after).toContain('server     not running');
    expect(after).toMatch(new RegExp(`last attempt failed: (ECONNREFUSED: connect )?ECONNREFUSED 127\\.0\\.0\\.1:${down} \\(attempt \\d+\\)`));
  });

  it('ship --once says why clicks are still pending', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(3));
    const down = await closedPort();
    const r = await cli(['ship', '--once', '--timeout', '2'], dataDirEnv(dir, { CLICKRELAY_MAIN_SYSTEM_BASE_URL: `http://127.0.0.1:${down}`, CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k', CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '300' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 still pending');
    expect(r.stdout).toMatch(new RegExp(`^why: (ECONNREFUSED: connect )?ECONNREFUSED 127\\.0\\.0\\.1:${down} \\(attempt \\d+, next would be in \\d+ s\\); gave up after --timeout 2 s$`, 'm'));
  });
});

describe('standalone mode keeps clicks locally', () => {
  it('reports them as kept, not pending, in status and in the metrics', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(4, undefined, () => new Date(Date.now() - 3_600_000)));
    const admin = await freePort();
    const child = runCli(['serve'], dataDirEnv(dir, { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: String(admin), CLICKRELAY_SYNC_FILE: resolve('config/links.example.json') }));
    try {
      await waitReady(admin, child);
      const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
      expect(metrics).toMatch(/^clickrelay_outbox_kept_local 4$/m);
      expect(metrics).toMatch(/^clickrelay_outbox_pending 0$/m);
      expect(metrics).toMatch(/^clickrelay_outbox_oldest_pending_seconds 0$/m);
      const kept = Number(/^clickrelay_outbox_oldest_kept_seconds (\S+)$/m.exec(metrics)?.[1]);
      expect(kept).toBeGreaterThan(3500);
      // The process metrics carry one prefix, not clickrelay_process_process_.
      expect(metrics).toMatch(/^clickrelay_process_cpu_user_seconds_total /m);
      expect(metrics).not.toContain('clickrelay_process_process_');

      const st = JSON.parse((await cli(['status', '--json'], dataDirEnv(dir))).stdout) as { outbox: Record<string, unknown>; shipper: Record<string, unknown> };
      expect(st.outbox).toMatchObject({ pending: 0, kept_local: 4, oldest_pending: null });
      expect(st.shipper).toMatchObject({ enabled: false, state: 'off' });
      const text = (await cli(['status'], dataDirEnv(dir))).stdout;
      expect(text).toContain('4 kept locally (standalone: nothing to ship to; purged after 30 days)');
      expect(text).not.toMatch(/\d+ pending/);
    } finally {
      await stop(child);
    }
  });
});

