/**
 * The CLI's side of the admin listener's POST routes (service/admin-control.ts): when a live
 * `serve` holds the data folder, `sync` and `ship --once` ask it to do the work instead of doing
 * it in this process. Under systemd the credentials (API key, database password) exist only in
 * the unit's $CREDENTIALS_DIRECTORY, and a second shipper or writer beside the service would be
 * wrong anyway; the service has both, and does it the way its schedule would.
 *
 * The running serve is found as `status` finds it: its serve.json (runtime-file.ts) names its
 * pid and admin port, its settings the admin host. The bearer is the serve's per-run control
 * token in the data folder (readable by the service user and root only), else admin.token_file's.
 */
import { request } from 'node:http';
import { readAdminToken } from '../service/admin-token.js';
import { readControlToken } from '../service/control-token.js';
import { readRuntimeFile } from '../service/runtime-file.js';
import { ClickrelayError, describeCause } from '../errors.js';
import type { Settings } from '../config/settings.js';

export interface RunningServe {
  pid: number;
  /** http://host:port of its admin listener */
  url: string;
  dataDir: string;
  /** The serve's own sync.deadline_seconds: how long a sync it runs may take. */
  syncDeadlineS: number;
}

/** A wildcard bind is reached on loopback; IPv6 literals go in brackets. */
function reachableHost(host: string): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

/** The live serve on this data folder, or null when none runs (no serve.json, or its pid is gone). */
export function runningServe(s: Settings): RunningServe | null {
  const info = readRuntimeFile(s.storage.data_dir);
  if (!info) return null;
  const host = typeof info.settings?.['admin.host'] === 'string' ? info.settings['admin.host'] : s.admin.host;
  const deadline = Number(info.settings?.['sync.deadline_seconds'] ?? s.sync.deadline_seconds);
  return { pid: info.pid, url: `http://${reachableHost(host)}:${info.admin_port}`, dataDir: s.storage.data_dir, syncDeadlineS: Number.isFinite(deadline) ? deadline : s.sync.deadline_seconds };
}

/** The one line saying who did the work (stderr: stdout stays what the command prints). */
export function doneBy(command: string, serve: RunningServe): string {
  return `clickrelay ${command}: done by the running serve (pid ${serve.pid}) through its admin listener ${serve.url}\n`;
}

/** This run's control token, else admin.token_file's (this command's configuration); null: none readable. */
function bearerFor(s: Settings, serve: RunningServe): string | null {
  const control = readControlToken(serve.dataDir);
  if (control !== null) return control;
  try {
    return readAdminToken(s.admin.token_file);
  } catch {
    return null;
  }
}

/**
 * POSTs `body` to the serve's `path` and returns its JSON answer (200 only). No answer at all is
 * CR_ERR_ADMIN_UNREACHABLE, an error status CR_ERR_ADMIN_CONTROL, each naming the address and
 * what to do. `waitS`: how long the service may take (its sync deadline, the ship timeout).
 */
export async function askServe(s: Settings, serve: RunningServe, path: string, body: Record<string, unknown>, waitS: number): Promise<unknown> {
  const token = bearerFor(s, serve);
  const target = `${serve.url}${path}`;
  const payload = JSON.stringify(body);
  let answer: { status: number; text: string };
  try {
    answer = await post(target, payload, token, (waitS + 60) * 1000);
  } catch (err) {
    throw new ClickrelayError(
      'CR_ERR_ADMIN_UNREACHABLE',
      `clickrelay serve (pid ${serve.pid}) holds ${serve.dataDir}, but its admin listener at ${serve.url} does not answer (${describeCause(err)}). ` +
        'Check that serve is healthy (systemctl status clickrelay, its log) and that admin.host/admin.port are what it listens on; nothing was done here, so that no second process writes its data folder',
      { cause: err },
    );
  }
  if (answer.status === 200) return JSON.parse(answer.text) as unknown;
  let message = answer.text.trim();
  try {
    const j = JSON.parse(answer.text) as { error?: string; message?: string };
    message = [j.error, j.message].filter(Boolean).join(': ') || message;
  } catch {
    /* not JSON: the text as it came */
  }
  const remedy =
    answer.status === 401
      ? token === null
        ? ` No token was readable here: run this as root or as the service user (the token is ${serve.dataDir}/admin-control.token), or set admin.token_file to the serve's`
        : ' The token sent is not the serve\'s: a serve started again has a new one (run the command again), or admin.token_file differs from the serve\'s'
      : '';
  throw new ClickrelayError('CR_ERR_ADMIN_CONTROL', `clickrelay serve (pid ${serve.pid}) answered ${target} with HTTP ${answer.status}: ${message}.${remedy}`);
}

function post(url: string, payload: string, token: string | null, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
    if (token !== null) headers['Authorization'] = `Bearer ${token}`;
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // No answer in the time the service itself allows (plus a minute): it is not answering.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
