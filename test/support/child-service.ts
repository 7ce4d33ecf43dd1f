/**
 * Runs the built CLI (`node dist/cli/main.js serve`) as a real child process, for tests
 * that kill it. `npm test` builds dist/ first; run `npm run build` before running such a
 * file alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { waitFor } from './wait-for.js';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it) before this test`);
}

/**
 * A port for a server a test starts in another process, free when asked. Not the kernel's
 * `listen(0)`: that hands out a port of the ephemeral range, which every outgoing connection
 * on the machine draws from too, so between this call and the child's bind a client of another
 * test file (three run at once) could take it (seen: CR_ERR_LISTEN_FAILED, "in use by another
 * process"). Ports come from below the ephemeral range instead (net.ipv4.ip_local_port_range,
 * 32768–60999 on Linux by default), from a slice of its own for each vitest worker, starting at
 * a random place in the slice and probed before use.
 */
const PORT_BASE = 20_000;
const PORT_SLICE = 2_000;
const slice = Number(process.env.VITEST_POOL_ID ?? 0) % 6; // 20000–31999: below the ephemeral range
let nextPort = PORT_BASE + slice * PORT_SLICE + Math.floor(Math.random() * PORT_SLICE);

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_SLICE; tries++) {
    const port = nextPort;
    nextPort = PORT_BASE + slice * PORT_SLICE + ((nextPort - PORT_BASE - slice * PORT_SLICE + 1) % PORT_SLICE);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${PORT_BASE + slice * PORT_SLICE}–${PORT_BASE + (slice + 1) * PORT_SLICE - 1}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once('error', () => res(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => res(true)));
  });
}

/** The environment of a `serve` on two free ports, its mirror synced from a links file. */
export async function serveEnv(dataDir: string, linksFile: string, more: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    CLICKRELAY_SERVER_PORT: String(await freePort()),
    CLICKRELAY_ADMIN_PORT: String(await freePort()),
    CLICKRELAY_STORAGE_DATA_DIR: dataDir,
    CLICKRELAY_SYNC_FILE: linksFile,
    CLICKRELAY_LOG_LEVEL: 'warn',
    ...more,
  };
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs in the OS temp folder, so the repository's config/clickrelay.toml is not picked up by
 * accident. `as`: run as that user (the tests run as root; the service runs as its own user).
 *
 * One serving thread unless the test sets CLICKRELAY_SERVER_THREADS: "auto" would start a
 * thread (and an outbox writer) per core in every serve of the suite, doubling the CPU of tests
 * that are not about threads on a 2-core runner. The threads' behaviour has its own tests
 * (test/e2e/threads.test.ts, test/integration/http/serving-threads.test.ts), and the default
 * "auto" runs in the fresh-install and demo tests.
 */
export function runCli(args: string[], env: Record<string, string>, cwd = tmpdir(), as?: { uid: number; gid: number }, cli = CLI): Child {
  const proc = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_SERVER_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

export async function waitReady(adminPort: number, child: Child, timeoutMs = 20_000): Promise<void> {
  const exited = () => child.proc.exitCode !== null;
  try {
    // Not listening yet is a fetch error: waitFor keeps polling through it.
    await waitFor('serve to be ready (/readyz 200)', async () => exited() || (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200, { timeoutMs, stepMs: 50 });
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${child.output()}`);
  }
  if (exited()) throw new Error(`serve exited early (${child.proc.exitCode}):\n${child.output()}`);
}

/**
 * The lines a refused command printed, less the start-up notices that precede any refusal
 * (Node 20's end-of-life warning, logged at every start): what "one coded line" is about.
 */
export function refusalLines(output: string): string[] {
  return output
    .trim()
    .split('\n')
    .filter((l) => !l.includes('"event":"node_end_of_life"'));
}
