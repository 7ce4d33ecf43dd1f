/**
 * `npm run demo` (scripts/demo.mjs): starts on free ports and redirects; counts every link
 * clicked; prints a `status` command that matches its serve (no "differs"); removes its temp
 * folder when stopped (Ctrl-C) or when it fails. When clickrelay cannot listen it exits
 * non-zero with clickrelay's own error line, instead of counting "0 clicks" for ever.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertBuilt, freePort } from '../../support/child-service.js';

const DEMO = resolve('scripts/demo.mjs');

function startDemo(env: Record<string, string>) {
  assertBuilt();
  const proc = spawn(process.execPath, [DEMO], { env: { ...process.env, CLICKRELAY_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

/** Waits for `pattern` in the demo's output (the demo's own lines are the events here). */
async function outputMatching(demo: ReturnType<typeof startDemo>, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(demo.output());
    if (m) return m;
    if (demo.proc.exitCode !== null) throw new Error(`the demo exited:\n${demo.output()}`);
    if (Date.now() > until) throw new Error(`no ${pattern} in the demo's output:\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run demo', () => {
  it('exits non-zero, with the reason, when clickrelay cannot listen', async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    // A temp folder of its own for the demo (TMPDIR): whatever the demo leaves there is its.
    const tmp = mkdtempSync(join(tmpdir(), 'cr-demo-test-'));
    try {
      const demo = startDemo({ DEMO_PORT: String(port), TMPDIR: tmp });
      const code = await Promise.race([demo.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (code === 'hung') demo.proc.kill('SIGKILL');
      expect(code).not.toBe('hung');
      expect(code).not.toBe(0);
      expect(demo.output()).toContain(`CR_ERR_LISTEN_FAILED: public listener could not listen on 127.0.0.1:${port}`);
      expect(demo.output()).toContain('[demo] clickrelay exited (1)');
      expect(demo.output()).not.toContain('0 clicks');
      expect(readdirSync(tmp).filter((n) => n.startsWith('clickrelay-demo-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      holder.close();
    }
  }, 40_000);

  it('picks free ports, counts every link clicked, prints a status command without differences, and removes its temp folder on Ctrl-C', async () => {
    const demo = startDemo({ DEMO_COUNT_EVERY_MS: '200' });
    let exited = false;
    try {
      const base = (await outputMatching(demo, /\[demo\] clickrelay on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      for (const id of ['lt_seed_0000001', 'lt_seed_0000001', 'lt_seed_0000003']) {
        expect((await fetch(`${base}/track/${id}`, { redirect: 'manual' })).status).toBe(302);
      }
      await outputMatching(demo, /\[demo\] main system: 3 clicks in all \(lt_seed_0000001: 2, lt_seed_0000003: 1\)/);

      const command = (await outputMatching(demo, /^ {2}node (\S+) status --config (\S+)$/m)).slice(1);
      const st = await promisify(execFile)(process.execPath, [command[0]!, 'status', '--config', command[1]!]);
      expect(st.stdout).toContain('server     running');
      expect(st.stdout).not.toContain('other settings');
      const folder = dirname(command[1]!);
      expect(existsSync(folder)).toBe(true);

      demo.proc.kill('SIGINT'); // what Ctrl-C sends
      expect(await demo.exited).toBe(0);
      exited = true;
      expect(existsSync(folder)).toBe(false);
    } finally {
      if (!exited) {
        demo.proc.kill('SIGTERM');
        await demo.exited;
      }
    }
  }, 60_000);

  it('picks free ports by itself and redirects', async () => {
    const demo = startDemo({});
    try {
      const base = (await outputMatching(demo, /\[demo\] clickrelay on (http:\/\/127\.0\.0\.1:\d+)/))[1];
      expect(base, demo.output()).toBeDefined();
      const r = await fetch(`${base}/track/lt_seed_0000001`, { redirect: 'manual' });
      expect(r.status).toBe(302);
    } finally {
      demo.proc.kill('SIGTERM');
      await demo.exited;
    }
  }, 40_000);
});

