/**
 * shipper.sink = "nats" end to end, configured as an operator does (CLICKRELAY_* keys):
 * `serve` with its links from sync.file ships every click into the stream once (read back
 * with a consumer: each click_id one message); `ship --once` of the built CLI empties an
 * outbox into the stream; `status --json` shows the sink, the stream and the duplicate window
 * read from it; a refused login pauses shipping with CR_ERR_NATS_AUTH (asked of the registry)
 * and the pause names the NATS login, not an API key. A real nats-server (test/support/nats.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../../support/child-service.js';
import { NATS_STREAM, NATS_SUBJECT, startNats, USERS, type NatsServer } from '../../support/nats.js';
import { natsServer, skipUnless } from '../../support/requires.js';
import { startTestService, type TestService } from '../../support/service.js';
import { waitFor } from '../../support/wait-for.js';

const run = promisify(execFile);

describe.skipIf(skipUnless(natsServer()))('serve, ship --once and status with shipper.sink = "nats"', () => {
  let server: NatsServer;
  let dir: string;
  let svc: TestService | null = null;
  const creds = (password: string = USERS.relay.password): string => {
    const f = join(dir, `relay-${Math.random().toString(36).slice(2)}.creds`);
    writeFileSync(f, `${USERS.relay.user}:${password}\n`, { mode: 0o600 });
    return f;
  };
  const natsEnv = (password?: string): Record<string, string> => ({
    CLICKRELAY_SHIPPER_SINK: 'nats',
    CLICKRELAY_NATS_URL: `nats://127.0.0.1:${server.port}`,
    CLICKRELAY_NATS_CREDENTIALS_FILE: creds(password),
    CLICKRELAY_SHIPPER_LINGER_MS: '0',
    CLICKRELAY_SHIPPER_MAX_BACKOFF_MS: '500',
  });
  /** Every message's Nats-Msg-Id, read with an ordered consumer as a pipeline's consumer would. */
  const consumed = async (): Promise<{ id: string; body: Record<string, unknown> }[]> => {
    const js = jetstream(await server.admin());
    const consumer = await js.consumers.get(NATS_STREAM);
    const n = await server.messageCount();
    const out: { id: string; body: Record<string, unknown> }[] = [];
    if (n === 0) return out;
    const batch = await consumer.fetch({ max_messages: n, expires: 5_000 });
    for await (const m of batch) {
      out.push({ id: m.headers?.get('Nats-Msg-Id') ?? '', body: m.json<Record<string, unknown>>() });
      if (out.length === n) break;
    }
    return out;
  };

  beforeAll(async () => {
    server = await startNats({ auth: true });
  }, 60_000);
  afterAll(() => server?.destroy());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-serve-nats-'));
    await server.deleteStream();
    await server.createStream();
    return async () => {
      await svc?.stop();
      svc = null;
      rmSync(dir, { recursive: true, force: true });
    };
  });

  it('serve ships every click into the stream once, links from sync.file', async () => {
    svc = await startTestService(natsEnv());
    const N = 40;
    for (let i = 0; i < N; i++) expect((await fetch(`${svc.base}/track/lt_test123456789?utm_source=n${i}`, { redirect: 'manual' })).status).toBe(302);
    await waitFor('every click acknowledged by JetStream and marked shipped', async () => (await svc!.service.outbox.stats()).shipped === N);
    const stored = svc.clicks().map((c) => c.click.click_id).sort();
    const got = await consumed();
    expect(got.map((m) => m.id).sort()).toEqual(stored);
    expect(new Set(got.map((m) => m.id)).size).toBe(N);
    for (const m of got) expect(m.body).toMatchObject({ click_id: m.id, tracking_id: 'lt_test123456789' });
    expect(svc.logs.some((l) => l['event'] === 'ship_unauthorized')).toBe(false);
  }, 60_000);

  it('a refused login pauses shipping under CR_ERR_NATS_AUTH; the pause names the NATS login; nothing is dead-lettered', async () => {
    svc = await startTestService(natsEnv('wrong-password'));
    expect((await fetch(`${svc.base}/track/lt_test123456789`, { redirect: 'manual' })).status).toBe(302);
    await waitFor('the shipper to report the refusal', () => svc!.logs.some((l) => l['event'] === 'ship_unauthorized'));
    const line = svc.logs.find((l) => l['event'] === 'ship_unauthorized')!;
    expect(line['code']).toBe('CR_ERR_NATS_AUTH');
    expect(String(line['msg'])).toMatch(/NATS server refused the login/);
    expect(JSON.stringify(svc.logs)).not.toContain('wrong-password');
    const page = await (await fetch(`${svc.admin}/`)).text();
    expect(page).toMatch(/PAUSED/);
    expect(page).toMatch(/NATS server refused the login/);
    expect(page).not.toMatch(/API key/);
    const o = await svc.service.outbox.stats();
    expect(o.dead_letter).toBe(0);
    expect(o.pending).toBe(1);
  }, 60_000);

  it('ship --once (the built CLI) empties an outbox into the stream; status --json shows the sink, the stream and its duplicate window', async () => {
    assertBuilt();
    // Clicks recorded by a standalone serve (kept locally), then shipped by hand to NATS.
    const standalone = await startTestService({ CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data') });
    for (let i = 0; i < 5; i++) await fetch(`${standalone.base}/track/lt_other`, { redirect: 'manual' });
    await standalone.committed();
    const ids = standalone.clicks().map((c) => c.click.click_id).sort();
    await standalone.stop();

    const env = { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: join(dir, 'data'), CLICKRELAY_LOG_LEVEL: 'warn', ...natsEnv() };
    const shipped = await run(process.execPath, [CLI, 'ship', '--once', '--timeout', '30'], { env, cwd: tmpdir() });
    expect(shipped.stdout).toMatch(/^shipped 5 clicks \(0 already recorded by the sink\), 0 still pending/);
    expect((await consumed()).map((m) => m.id).sort()).toEqual(ids);

    const status = JSON.parse((await run(process.execPath, [CLI, 'status', '--json'], { env, cwd: tmpdir() })).stdout) as Record<string, Record<string, unknown>>;
    expect(status['shipper']).toMatchObject({ enabled: true, sink: 'nats' });
    expect(status['main_system']).toMatchObject({ adapter: 'nats', reachable: true, stream: NATS_STREAM, stream_state: 'found', captures_subject: true, duplicate_window_ms: 24 * 3600_000, error: null });
    expect(String(status['main_system']!['where'])).toContain(NATS_SUBJECT);
    const text = (await run(process.execPath, [CLI, 'status'], { env, cwd: tmpdir() })).stdout;
    expect(text).toMatch(/shipper +JetStream publishes to nats:\/\/127\.0\.0\.1:\d+ subject clickrelay\.clicks/);
    expect(text).toMatch(/nats +reachable; stream CLICKRELAY found; duplicate window 24 h \(consumers deduplicate on click_id past it\)/);
    expect(text + JSON.stringify(status)).not.toContain(USERS.relay.password);
  }, 90_000);
});
