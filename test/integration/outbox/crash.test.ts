/**
 * Durability under SIGKILL: a click whose onCommitted callback ran (durable mode) is in
 * outbox.db after the process dies mid-load, and the chain (with its head file) verifies.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox, openOutboxReadOnly, verifyChain } from '../../../src/outbox/index.js';
import { buildOutbox, removeBuild } from './build.js';

const fixture = fileURLToPath(new URL('./fixtures/record-until-killed.mjs', import.meta.url));
let compiled = '';
let dataDir = '';

beforeAll(() => {
  compiled = buildOutbox();
  dataDir = mkdtempSync(join(tmpdir(), 'clickrelay-crash-'));
}, 120_000);

afterAll(() => {
  if (compiled) removeBuild(compiled);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `atLeast` clicks, then SIGKILLs it. */
function recordThenKill(atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, compiled, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l && l !== 'ready') acked.push(l);
      if (!killed && acked.length >= atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('a SIGKILLed redirector', () => {
  it('keeps every click it acknowledged in durable mode, on a chain that verifies', async () => {
    for (const target of [3000, 5000]) {
      const acked = await recordThenKill(target);
      expect(acked.length).toBeGreaterThanOrEqual(target);

      const reader = openOutboxReadOnly(dataDir);
      const stored = new Set<string>();
      for (const row of reader.chainRows()) stored.add(row.columns[0]);
      const missing = acked.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      const report = verifyChain(reader);
      reader.close();
      expect(report.violations).toEqual([]);
      expect(report.rows).toBe(stored.size);
    }
  }, 60_000);

  it('reopens after the kill and carries the chain on', async () => {
    const outbox = await Outbox.open({ dataDir, durability: 'durable', commitIntervalMs: 5 });
    const before = await outbox.stats();
    await new Promise<void>((resolve, reject) =>
      outbox.record(
        {
          click_id: '01900000-0000-7000-8000-000000000001',
          tracking_id: 'lt_after',
          clicked_at: new Date().toISOString(),
          ip_address: null,
          user_agent: null,
          referrer_url: null,
          session_id: null,
          click_source: 'direct',
          metadata: {},
          anonymous: true,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    expect((await outbox.stats()).last_seq).toBe(before.last_seq + 1);
    await outbox.close();
    const reader = openOutboxReadOnly(dataDir);
    expect(verifyChain(reader)).toMatchObject({ ok: true, violations: [] });
    reader.close();
  });
});
