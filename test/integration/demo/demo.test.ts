/**
 * `npm run demo` (scripts/demo.mjs): starts on free ports and redirects; when clickrelay
 * cannot listen it exits non-zero with clickrelay's own error line, instead of counting
 * "0 clicks" for ever.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
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

describe('npm run demo', () => {
  it('exits non-zero, with the reason, when clickrelay cannot listen', async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const demo = startDemo({ DEMO_PORT: String(port) });
      const code = await Promise.race([demo.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (code === 'hung') demo.proc.kill('SIGKILL');
      expect(code).not.toBe('hung');
      expect(code).not.toBe(0);
      expect(demo.output()).toContain(`CR_ERR_LISTEN_FAILED: public listener could not listen on 127.0.0.1:${port}`);
      expect(demo.output()).toContain('[demo] clickrelay exited (1)');
      expect(demo.output()).not.toContain('0 clicks');
    } finally {
      holder.close();
    }
  }, 40_000);

  it('picks free ports by itself and redirects', async () => {
    const demo = startDemo({});
    try {
      const until = Date.now() + 30_000;
      let base: string | undefined;
      while (Date.now() < until && !base) {
        base = /\[demo\] clickrelay on (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.output())?.[1];
        if (demo.proc.exitCode !== null) throw new Error(demo.output());
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(base, demo.output()).toBeDefined();
      const r = await fetch(`${base}/track/lt_seed_0000001`, { redirect: 'manual' });
      expect(r.status).toBe(302);
    } finally {
      demo.proc.kill('SIGTERM');
      await demo.exited;
    }
  }, 40_000);
});
